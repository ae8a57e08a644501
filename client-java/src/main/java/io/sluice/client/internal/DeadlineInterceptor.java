package io.sluice.client.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.sluice.protocol.v1.MessagingService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives every unary call the request timeout as its gRPC deadline (so the gateway sees it and a
 * hung call is cancelled), and leaves the long-lived streams without one. pekko-grpc's Java request
 * builders have no per-call deadline, and a channel-wide one would kill the streams. {@code
 * Receive} long-polls for up to 30 s (the protocol's maximum wait), so it gets that on top.
 */
final class DeadlineInterceptor implements ClientInterceptor {
  static final long MAX_RECEIVE_WAIT_MS = 30_000;
  private static final String RECEIVE = MessagingService.name + "/Receive";

  private final long timeoutMs;

  DeadlineInterceptor(Duration requestTimeout) {
    this.timeoutMs = requestTimeout.toMillis();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    if (method.getType() == MethodDescriptor.MethodType.UNARY && options.getDeadline() == null) {
      long ms =
          RECEIVE.equals(method.getFullMethodName()) ? timeoutMs + MAX_RECEIVE_WAIT_MS : timeoutMs;
      return next.newCall(method, options.withDeadlineAfter(ms, TimeUnit.MILLISECONDS));
    }
    return next.newCall(method, options);
  }
}
