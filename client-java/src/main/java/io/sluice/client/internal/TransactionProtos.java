package io.sluice.client.internal;

import io.sluice.client.Message;
import io.sluice.client.ResolvedTransaction;
import io.sluice.client.SendReceipt;
import io.sluice.client.TransactionCheck;
import io.sluice.client.TransactionInfo;
import io.sluice.client.TransactionResolution;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.EndTransactionRequest;
import io.sluice.protocol.v1.QueueRef;
import io.sluice.protocol.v1.TransactionRef;
import io.sluice.protocol.v1.TransactionSummary;
import java.time.Instant;
import java.util.Collection;

/** Conversions between the client's transaction types and the protocol's messages. */
final class TransactionProtos {
  private TransactionProtos() {}

  /** The wire form of a half message: the message plus the transaction it belongs to. */
  static io.sluice.protocol.v1.Message halfMessage(Message m, TransactionRef transaction) {
    return Protos.toProto(m).toBuilder().setTransaction(transaction).build();
  }

  static QueueRef queueOf(SendReceipt receipt) {
    return QueueRef.newBuilder().setTopic(receipt.topic()).setQueueId(receipt.queueId()).build();
  }

  static EndTransactionRequest endRequest(
      TransactionRef transaction,
      TransactionResolution resolution,
      Collection<QueueRef> queues,
      boolean fromCheck) {
    return EndTransactionRequest.newBuilder()
        .setProducerGroup(transaction.getProducerGroup())
        .setTransactionId(transaction.getTransactionId())
        .setResolution(toProto(resolution))
        .addAllQueues(queues)
        .setFromCheck(fromCheck)
        .build();
  }

  static io.sluice.protocol.v1.TransactionResolution toProto(TransactionResolution r) {
    switch (r) {
      case COMMIT:
        return io.sluice.protocol.v1.TransactionResolution.COMMIT;
      case ROLLBACK:
        return io.sluice.protocol.v1.TransactionResolution.ROLLBACK;
      case UNKNOWN:
      default:
        return io.sluice.protocol.v1.TransactionResolution.UNKNOWN;
    }
  }

  static TransactionResolution fromProto(io.sluice.protocol.v1.TransactionResolution r) {
    switch (r) {
      case COMMIT:
        return TransactionResolution.COMMIT;
      case ROLLBACK:
        return TransactionResolution.ROLLBACK;
      default:
        return TransactionResolution.UNKNOWN;
    }
  }

  /** The checker's view; the message names the checked queue whatever the broker filled in. */
  static TransactionCheck checkFromProto(io.sluice.protocol.v1.TransactionCheck c) {
    io.sluice.protocol.v1.Message message =
        c.getMessage().toBuilder()
            .setTopic(c.getQueue().getTopic())
            .setQueueId(c.getQueue().getQueueId())
            .build();
    return new TransactionCheck(
        c.getTransaction().getTransactionId(),
        c.getTransaction().getProducerGroup(),
        new MessageViewImpl(Delivery.newBuilder().setMessage(message).build()),
        c.getCheckCount(),
        Instant.ofEpochMilli(c.getPreparedAtMs()));
  }

  static TransactionInfo infoFromProto(TransactionSummary s) {
    return new TransactionInfo(
        s.getTransaction().getTransactionId(),
        s.getTransaction().getProducerGroup(),
        s.getQueue().getTopic(),
        s.getQueue().getQueueId(),
        s.getMessageIdsList(),
        Instant.ofEpochMilli(s.getPreparedAtMs()),
        s.getCheckCount());
  }

  static ResolvedTransaction resolvedFromProto(TransactionSummary s) {
    return new ResolvedTransaction(
        infoFromProto(s), fromProto(s.getResolution()), Instant.ofEpochMilli(s.getResolvedAtMs()));
  }
}
