package io.sluice.client.internal;

import io.sluice.client.SluiceException;
import io.sluice.protocol.v1.ChangeInvisibleDurationRequest;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ReceiptResult;
import io.sluice.protocol.v1.Renew;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import org.apache.pekko.event.LoggingAdapter;

/**
 * Keeps a push consumer's held deliveries invisible: half an invisible duration after arrival (and
 * after each renewal) a {@code Renew} goes out on the delivery's stream, or, if that stream has
 * ended, a unary {@code ChangeInvisibleDuration}; the new receipt handle replaces the old in the
 * view. Renewals on the stream are matched to their {@code ReceiptResult} by the handle they named.
 * Thread-safe.
 */
final class Renewer {
  private final ClientContext context;
  private final String group;
  private final String topic;
  private final long invisibleMs;
  private final LoggingAdapter log;
  private final BiPredicate<HeldDelivery, ConsumeRequest> onStream;
  private final Map<String, HeldDelivery> renewing = new ConcurrentHashMap<>();

  /**
   * Creates the renewer of one consumer.
   *
   * @param context the client
   * @param group the consumer group
   * @param topic the topic
   * @param invisibleMs the invisible duration each renewal asks for
   * @param log the consumer's logger
   * @param onStream offers a command on the delivery's stream; false if that stream is gone
   */
  Renewer(
      ClientContext context,
      String group,
      String topic,
      long invisibleMs,
      LoggingAdapter log,
      BiPredicate<HeldDelivery, ConsumeRequest> onStream) {
    this.context = context;
    this.group = group;
    this.topic = topic;
    this.invisibleMs = invisibleMs;
    this.log = log;
    this.onStream = onStream;
  }

  /**
   * Starts renewing a delivery every half invisible duration until its listener is done.
   *
   * @param held the delivery
   */
  void schedule(HeldDelivery held) {
    held.setRenewTimer(context.schedule(Math.max(1, invisibleMs / 2), () -> renew(held)));
  }

  private void renew(HeldDelivery held) {
    if (!held.startRenewal()) {
      return;
    }
    String handle = held.view.receiptHandle();
    ConsumeRequest req =
        ConsumeRequest.newBuilder()
            .setRenew(
                Renew.newBuilder().setReceiptHandle(handle).setInvisibleDurationMs(invisibleMs))
            .build();
    renewing.put(handle, held);
    if (onStream.test(held, req)) {
      return;
    }
    renewing.remove(handle);
    ChangeInvisibleDurationRequest unary =
        ChangeInvisibleDurationRequest.newBuilder()
            .setGroup(group)
            .setTopic(topic)
            .setReceiptHandle(handle)
            .setInvisibleDurationMs(invisibleMs)
            .build();
    try {
      context
          .retrier()
          .call(ep -> ep.messaging().changeInvisibleDuration(unary))
          .whenComplete(
              (resp, failure) -> {
                if (failure == null) {
                  onRenewed(held, resp.getReceiptHandle(), resp.getInvisibleUntilMs());
                } else {
                  onRenewFailed(held, ErrorMapper.fromThrowable(failure));
                }
              });
    } catch (RuntimeException e) {
      onRenewFailed(held, ErrorMapper.fromThrowable(e));
    }
  }

  private void onRenewed(HeldDelivery held, String newHandle, long invisibleUntilMs) {
    held.view.updateReceipt(newHandle, invisibleUntilMs);
    if (held.endRenewal()) {
      schedule(held);
    }
  }

  private void onRenewFailed(HeldDelivery held, SluiceException failure) {
    log.warning(
        "renewing {} failed; it may be delivered again: {}", held.view, failure.getMessage());
    held.endRenewal();
  }

  /**
   * Takes a {@code ReceiptResult} if it answers a renewal.
   *
   * @param result the result from the stream
   * @return false if it answers something else (an ack or nack)
   */
  boolean onResult(ReceiptResult result) {
    HeldDelivery held = renewing.remove(result.getReceiptHandle());
    if (held == null) {
      return false;
    }
    if (result.getStatus().getCode() == 0) {
      onRenewed(held, result.getNewReceiptHandle(), 0);
    } else {
      onRenewFailed(held, ErrorMapper.fromItemStatus(result.getStatus()));
    }
    return true;
  }

  /**
   * A stream ended: its renewals in flight will get no answer.
   *
   * @param session the ended stream
   * @param cause why it ended
   */
  void sessionEnded(ConsumeSession session, SluiceException cause) {
    List<HeldDelivery> orphaned = new ArrayList<>();
    renewing
        .entrySet()
        .removeIf(e -> e.getValue().session == session && orphaned.add(e.getValue()));
    for (HeldDelivery h : orphaned) {
      onRenewFailed(h, cause);
    }
  }
}
