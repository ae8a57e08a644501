package io.sluice.client.internal;

import io.sluice.client.MessageView;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SimpleConsumerSettings;
import io.sluice.protocol.v1.AckRequest;
import io.sluice.protocol.v1.AckResponse;
import io.sluice.protocol.v1.ChangeInvisibleDurationRequest;
import io.sluice.protocol.v1.ChangeInvisibleDurationResponse;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.ReceiptResult;
import io.sluice.protocol.v1.ReceiveRequest;
import io.sluice.protocol.v1.ReceiveResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The {@link SimpleConsumer}: stateless unary calls, retried. Thread-safe. */
public final class SimpleConsumerImpl implements SimpleConsumer {
  private final ClientContext context;
  private final SimpleConsumerSettings settings;
  private final FilterExpression filter;
  private volatile boolean closed;

  /**
   * Creates a simple consumer.
   *
   * @param context the client
   * @param settings group, topic, filter, await
   */
  public SimpleConsumerImpl(ClientContext context, SimpleConsumerSettings settings) {
    this.context = context;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.filter = Protos.toProto(settings.filter());
  }

  @Override
  public String group() {
    return settings.group();
  }

  @Override
  public String topic() {
    return settings.topic();
  }

  @Override
  public List<MessageView> receive(int maxMessages, Duration invisibleDuration) {
    ensureOpen();
    ReceiveRequest req =
        ReceiveRequest.newBuilder()
            .setGroup(settings.group())
            .setTopic(settings.topic())
            .setFilter(filter)
            .setMaxMessages(maxMessages)
            .setInvisibleDurationMs(invisibleDuration.toMillis())
            .setWaitMs(settings.awaitDuration().toMillis())
            .build();
    ReceiveResponse resp =
        Blocking.await(context.retrier().call(ep -> ep.messaging().receive(req)));
    List<MessageView> out = new ArrayList<>(resp.getDeliveriesCount());
    for (Delivery d : resp.getDeliveriesList()) {
      out.add(new MessageViewImpl(d));
    }
    return out;
  }

  @Override
  public void ack(MessageView message) {
    ensureOpen();
    MessageViewImpl view = MessageViewImpl.of(message);
    AckRequest req =
        AckRequest.newBuilder()
            .setGroup(settings.group())
            .setTopic(settings.topic())
            .addReceiptHandles(view.receiptHandle())
            .build();
    AckResponse resp = Blocking.await(context.retrier().call(ep -> ep.messaging().ack(req)));
    if (resp.getResultsCount() > 0) {
      ReceiptResult result = resp.getResults(0);
      if (result.getStatus().getCode() != 0) {
        throw ErrorMapper.fromItemStatus(result.getStatus());
      }
    }
  }

  @Override
  public void changeInvisibleDuration(MessageView message, Duration invisibleDuration) {
    ensureOpen();
    MessageViewImpl view = MessageViewImpl.of(message);
    ChangeInvisibleDurationRequest req =
        ChangeInvisibleDurationRequest.newBuilder()
            .setGroup(settings.group())
            .setTopic(settings.topic())
            .setReceiptHandle(view.receiptHandle())
            .setInvisibleDurationMs(invisibleDuration.toMillis())
            .build();
    ChangeInvisibleDurationResponse resp =
        Blocking.await(context.retrier().call(ep -> ep.messaging().changeInvisibleDuration(req)));
    view.updateReceipt(resp.getReceiptHandle(), resp.getInvisibleUntilMs());
  }

  @Override
  public void close() {
    closed = true;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the simple consumer is closed");
    }
    context.ensureOpen();
  }
}
