package io.sluice.gateway.deadletter;

import io.sluice.actors.consume.RetryPolicy;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Reason;

/** Wire form of a {@link RetryPolicy}: empty delays mean the default schedule, 0 attempts the matching default. */
final class RetryPolicyProtos {
  private RetryPolicyProtos() {}

  /** @throws BrokerException INVALID_ARGUMENT naming what is wrong */
  static RetryPolicy fromProto(io.sluice.protocol.v1.RetryPolicy proto) {
    var delays = proto.getDelaysMsList().isEmpty() ? RetryPolicy.DEFAULT.delaysMs() : proto.getDelaysMsList();
    int maxAttempts = proto.getMaxAttempts() != 0 ? proto.getMaxAttempts()
        : proto.getDelaysMsList().isEmpty() ? RetryPolicy.DEFAULT_MAX_ATTEMPTS : delays.size() + 1;
    String problem = RetryPolicy.problem(maxAttempts, delays);
    if (problem != null) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "invalid retry policy: " + problem);
    }
    return new RetryPolicy(maxAttempts, delays);
  }

  static io.sluice.protocol.v1.RetryPolicy toProto(RetryPolicy policy) {
    return io.sluice.protocol.v1.RetryPolicy.newBuilder()
        .setMaxAttempts(policy.maxAttempts()).addAllDelaysMs(policy.delaysMs()).build();
  }
}
