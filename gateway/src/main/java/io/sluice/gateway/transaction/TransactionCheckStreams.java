package io.sluice.gateway.transaction;

import io.sluice.gateway.BrokerException;
import io.sluice.gateway.Names;
import io.sluice.protocol.v1.TransactionCheck;
import io.sluice.protocol.v1.TransactionChecksRequest;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Serves {@code TransactionChecks}: the first request names the producer group, and from then on
 * a {@link CheckForwarder} sends the group's check-backs down the stream until either side ends
 * it. A first request with an invalid group fails the stream with INVALID_ARGUMENT.
 *
 * <p>Thread-safety: any thread.
 */
public final class TransactionCheckStreams {
  /** Checks waiting for the client to read them; more are dropped (the next interval asks again). */
  private static final int BUFFER = 1024;

  private final ActorSystem<?> system;

  public TransactionCheckStreams(ActorSystem<?> system) {
    this.system = system;
  }

  public Source<TransactionCheck, NotUsed> open(Source<TransactionChecksRequest, NotUsed> requests) {
    Pair<BoundedSourceQueue<TransactionCheck>, Source<TransactionCheck, NotUsed>> out =
        Source.<TransactionCheck>queue(BUFFER).preMaterialize(system);
    AtomicReference<ActorRef<CheckForwarder.Command>> forwarder = new AtomicReference<>();
    requests.runWith(Sink.foreach(request -> {
      if (forwarder.get() == null) {
        forwarder.set(start(request, out.first()));
      }
    }), system).whenComplete((done, failure) -> {
      // The producer closed its side (or it failed): it is no longer live.
      ActorRef<CheckForwarder.Command> started = forwarder.get();
      if (started != null) {
        started.tell(CheckForwarder.Stop.INSTANCE);
      } else if (failure == null) {
        out.first().complete();
      }
    });
    return out.second().watchTermination((mat, terminated) -> {
      terminated.whenComplete((done, failure) -> {
        ActorRef<CheckForwarder.Command> started = forwarder.get();
        if (started != null) {
          started.tell(CheckForwarder.Stop.INSTANCE);
        }
      });
      return mat;
    });
  }

  private ActorRef<CheckForwarder.Command> start(TransactionChecksRequest first, BoundedSourceQueue<TransactionCheck> out) {
    String group;
    try {
      group = Names.check("producer group", first.getProducerGroup());
    } catch (BrokerException e) {
      out.fail(e.toGrpc());
      throw e;
    }
    String clientId = first.getClientId().isEmpty() ? "anonymous" : first.getClientId();
    return system.systemActorOf(CheckForwarder.create(group, clientId, out),
        "transaction-checks-" + UUID.randomUUID(), Props.empty());
  }
}
