package io.sluice.actors.serialization;

import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.actors.delay.DelayTimer;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.transaction.QueueTransactions;
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
  private static final String TRANSACTION_PREPARED = "TP";

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
    if (o instanceof QueueTransactions.Prepared) {
      return TRANSACTION_PREPARED;
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
    if (o instanceof QueueTransactions.Prepared prepared) {
      return prepared.message().toByteArray();
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    Message message;
    try {
      message = Message.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new NotSerializableException("corrupt stored message: " + e.getMessage());
    }
    switch (manifest) {
      case MESSAGE_STORED:
        return new Queue.MessageStored(message);
      case DELAY_SCHEDULED:
        return new DelayTimer.Scheduled(message);
      case TRANSACTION_PREPARED:
        return new QueueTransactions.Prepared(message);
      default:
        throw new NotSerializableException("unknown manifest '" + manifest + "'");
    }
  }
}
