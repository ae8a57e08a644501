package io.sluice.gateway.transaction;

import io.sluice.actors.LocalOnly;
import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.actors.transaction.CheckBack;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.QueueRef;
import io.sluice.protocol.v1.TransactionCheck;
import io.sluice.protocol.v1.TransactionRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;

/**
 * One producer's open {@code TransactionChecks} stream as the transaction logs see it: registered
 * with the receptionist under its producer group's key, it writes each check-back to the stream.
 * When the stream ends the forwarder stops, and the receptionist drops it (it watches what is
 * registered), so no check goes to a producer that left.
 */
final class CheckForwarder {
  /** Local to the node: a check-back reaches it through its message adapter, as a CBOR {@link CheckBack}. */
  sealed interface Command extends LocalOnly {}

  private record Check(CheckBack check) implements Command {}

  /** The stream ended (either side): complete it and stop. */
  enum Stop implements Command { INSTANCE }

  private CheckForwarder() {}

  static Behavior<Command> create(String producerGroup, String clientId, BoundedSourceQueue<TransactionCheck> out) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(
          Receptionist.register(CheckBack.keyFor(producerGroup), ctx.messageAdapter(CheckBack.class, Check::new)));
      ctx.getLog().info("Producer '{}' of group '{}' answers transaction checks", clientId, producerGroup);
      return Behaviors.receive(Command.class)
          .onMessage(Check.class, check -> {
            if (out.offer(toProto(check.check())) != QueueOfferResult.enqueued()) {
              // The next check interval asks again.
              ctx.getLog().warn("Check of transaction '{}' not sent to producer '{}': its stream is full or closed",
                  check.check().transactionId(), clientId);
            }
            return Behaviors.same();
          })
          .onMessage(Stop.class, stop -> {
            out.complete();
            ctx.getLog().info("Producer '{}' of group '{}' no longer answers transaction checks", clientId, producerGroup);
            return Behaviors.stopped();
          })
          .build();
    });
  }

  static TransactionCheck toProto(CheckBack check) throws InvalidProtocolBufferException {
    return TransactionCheck.newBuilder()
        .setTransaction(TransactionRef.newBuilder()
            .setTransactionId(check.transactionId()).setProducerGroup(check.producerGroup()))
        .setQueue(QueueRef.newBuilder().setTopic(check.topic()).setQueueId(check.queueId()))
        .setMessage(Message.parseFrom(check.message()))
        .setCheckCount(check.checkCount())
        .setPreparedAtMs(check.preparedAtMs())
        .build();
  }
}
