package io.sluice.client.internal;

import com.google.protobuf.UnsafeByteOperations;
import io.sluice.client.Filter;
import io.sluice.client.StartPosition;
import io.sluice.client.ConsumerGroupInfo;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.QueueProgress;
import io.sluice.client.SendReceipt;
import io.sluice.client.TopicInfo;
import io.sluice.protocol.v1.ConsumerGroup;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Topic;
import java.util.ArrayList;
import java.util.List;

/** Conversions between the client's types and the protocol's messages. */
public final class Protos {
  private Protos() {}

  /**
   * The wire form of a message to send. The body is wrapped, not copied: {@link Message} holds a
   * private read-only copy that nothing mutates.
   *
   * @param m the message
   * @return the protobuf message
   */
  public static io.sluice.protocol.v1.Message toProto(Message m) {
    io.sluice.protocol.v1.Message.Builder b =
        io.sluice.protocol.v1.Message.newBuilder()
            .setTopic(m.topic())
            .setMessageId(m.messageId())
            .setBornTimestampMs(m.bornTimestampMs())
            .setBody(UnsafeByteOperations.unsafeWrap(m.body()));
    if (!m.tag().isEmpty()) {
      b.setTag(m.tag());
    }
    if (!m.keys().isEmpty()) {
      b.addAllKeys(m.keys());
    }
    if (!m.messageGroup().isEmpty()) {
      b.setMessageGroup(m.messageGroup());
    }
    if (!m.properties().isEmpty()) {
      b.putAllProperties(m.properties());
    }
    m.deliveryTimestamp().ifPresent(at -> b.setDeliverAtMs(at.toEpochMilli()));
    return b.build();
  }

  /**
   * A receipt of a stored message.
   *
   * @param r the protocol's receipt (status OK)
   * @return ours
   */
  public static SendReceipt toReceipt(io.sluice.protocol.v1.SendReceipt r) {
    return new SendReceipt(r.getMessageId(), r.getTopic(), r.getQueueId(), r.getOffset());
  }

  /**
   * A tag filter; {@code "*"} and empty both mean everything.
   *
   * @param expression the tag expression
   * @return the protocol's filter
   */
  public static io.sluice.protocol.v1.StartPosition toProto(StartPosition start) {
    switch (start) {
      case EARLIEST:
        return io.sluice.protocol.v1.StartPosition.EARLIEST;
      case LATEST:
        return io.sluice.protocol.v1.StartPosition.LATEST;
      default:
        return io.sluice.protocol.v1.StartPosition.START_POSITION_DEFAULT;
    }
  }

  public static FilterExpression toProto(Filter filter) {
    return FilterExpression.newBuilder()
        .setType(
            filter.type() == Filter.Type.SQL92
                ? FilterExpression.Type.SQL92
                : FilterExpression.Type.TAG)
        .setExpression(filter.expression())
        .build();
  }

  static Topic toProto(TopicInfo t) {
    return Topic.newBuilder()
        .setName(t.name())
        .setQueueCount(t.queueCount())
        .setMessageType(toProto(t.messageType()))
        .setRetentionHours(t.retentionHours())
        .build();
  }

  static TopicInfo topicFromProto(Topic t) {
    return new TopicInfo(
        t.getName(), t.getQueueCount(), typeFromProto(t.getMessageType()), t.getRetentionHours());
  }

  static io.sluice.protocol.v1.MessageType toProto(MessageType t) {
    switch (t) {
      case FIFO:
        return io.sluice.protocol.v1.MessageType.FIFO;
      case DELAY:
        return io.sluice.protocol.v1.MessageType.DELAY;
      case TRANSACTION:
        return io.sluice.protocol.v1.MessageType.TRANSACTION;
      case NORMAL:
      default:
        return io.sluice.protocol.v1.MessageType.NORMAL;
    }
  }

  static MessageType typeFromProto(io.sluice.protocol.v1.MessageType t) {
    switch (t) {
      case FIFO:
        return MessageType.FIFO;
      case DELAY:
        return MessageType.DELAY;
      case TRANSACTION:
        return MessageType.TRANSACTION;
      default:
        // the protocol says: NORMAL if unspecified
        return MessageType.NORMAL;
    }
  }

  static ConsumerGroupInfo groupFromProto(ConsumerGroup g) {
    List<QueueProgress> queues = new ArrayList<>(g.getQueuesCount());
    for (io.sluice.protocol.v1.QueueProgress q : g.getQueuesList()) {
      queues.add(
          new QueueProgress(
              q.getQueueId(),
              q.getEndOffset(),
              q.getAckWatermark(),
              q.getReadCursor(),
              q.getInFlight(),
              q.getLag()));
    }
    return new ConsumerGroupInfo(g.getGroup(), g.getTopic(), queues);
  }
}
