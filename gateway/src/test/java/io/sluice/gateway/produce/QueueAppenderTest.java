package io.sluice.gateway.produce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.sluice.actors.queue.Queue;
import io.sluice.protocol.v1.Message;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.testkit.javadsl.TestEntityRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How the appender batches a busy queue's submissions: by count and by encoded bytes. */
class QueueAppenderTest {
  static ActorSystem<Void> system;

  @BeforeAll
  static void start() {
    system = ActorSystem.create(Behaviors.empty(), "appender", ConfigFactory.parseString(
            "pekko.actor.provider = local\npekko.actor.serialize-messages = on")
        .withFallback(ConfigFactory.defaultReference()));
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  static Message message(String id) {
    return Message.newBuilder().setMessageId(id).setBody(ByteString.copyFrom(new byte[1000])).build();
  }

  static Queue.Append next(LinkedBlockingQueue<Queue.Append> appends) throws InterruptedException {
    Queue.Append append = appends.poll(30, TimeUnit.SECONDS);
    assertNotNull(append, "no append reached the queue");
    return append;
  }

  static List<String> ids(Queue.Append append) {
    return append.messages().stream().map(Message::getMessageId).toList();
  }

  @Test
  void aBusyQueuesNextAppendStopsAtTheByteBoundButTakesOneLargerSubmissionAlone() throws Exception {
    LinkedBlockingQueue<Queue.Append> appends = new LinkedBlockingQueue<>();
    ActorRef<Queue.Command> queue = system.systemActorOf(Behaviors.receiveMessage(command -> {
      appends.add((Queue.Append) command);
      return Behaviors.same();
    }), "queue", Props.empty());
    long twoMessages = 2L * message("m").getSerializedSize();
    ActorRef<QueueAppender.Command> appender = system.systemActorOf(QueueAppender.create(
            TestEntityRef.of(Queue.ENTITY_KEY, "t/0", queue), Duration.ofSeconds(30), 1000, twoMessages),
        "appender", Props.empty());

    appender.tell(new QueueAppender.Submit(List.of(message("a")), new CompletableFuture<>()));
    Queue.Append first = next(appends);
    assertEquals(List.of("a"), ids(first));
    // while "a" is being stored these wait: "b" and "c" fit in one append, "d" does not
    for (String id : List.of("b", "c", "d")) {
      appender.tell(new QueueAppender.Submit(List.of(message(id)), new CompletableFuture<>()));
    }
    appender.tell(new QueueAppender.Submit(List.of(message("e"), message("f"), message("g")), new CompletableFuture<>()));
    first.replyTo().tell(StatusReply.success(new Queue.Appended(0, 1, List.of())));
    Queue.Append second = next(appends);
    assertEquals(List.of("b", "c"), ids(second));
    second.replyTo().tell(StatusReply.success(new Queue.Appended(1, 1, List.of())));
    Queue.Append third = next(appends);
    assertEquals(List.of("d"), ids(third));
    third.replyTo().tell(StatusReply.success(new Queue.Appended(3, 1, List.of())));
    // a submission over the bound goes whole, alone: it is one request's messages
    assertEquals(List.of("e", "f", "g"), ids(next(appends)));
  }
}
