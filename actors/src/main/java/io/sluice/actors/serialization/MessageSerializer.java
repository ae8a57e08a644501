package io.sluice.actors.serialization;

import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.actors.delay.DelayTimer;
import io.sluice.actors.queue.Queue;
import io.sluice.protocol.v1.Message;
import java.io.NotSerializableException;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Serializes the broker's message-carrying types as the protocol's protobuf {@link Message}, so a
 * stored message is the same bytes a client sent plus the broker fields: no second model.
 */
public final class MessageSerializer extends SerializerWithStringManifest {
  private static final String MESSAGE_STORED = "MS";
  private static final String DELAY_SCHEDULED = "DS";

  @Override
  public int identifier() {
    return 7_301;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof Queue.MessageStored) {
      return MESSAGE_STORED;
    }
    if (o instanceof DelayTimer.Scheduled) {
      return DELAY_SCHEDULED;
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof Queue.MessageStored stored) {
      return stored.message().toByteArray();
    }
    if (o instanceof DelayTimer.Scheduled scheduled) {
      return scheduled.message().toByteArray();
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (!MESSAGE_STORED.equals(manifest) && !DELAY_SCHEDULED.equals(manifest)) {
      throw new NotSerializableException("unknown manifest '" + manifest + "'");
    }
    try {
      Message message = Message.parseFrom(bytes);
      return MESSAGE_STORED.equals(manifest) ? new Queue.MessageStored(message) : new DelayTimer.Scheduled(message);
    } catch (InvalidProtocolBufferException e) {
      throw new NotSerializableException("corrupt stored message: " + e.getMessage());
    }
  }
}
