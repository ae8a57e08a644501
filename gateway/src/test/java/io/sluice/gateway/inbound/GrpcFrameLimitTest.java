package io.sluice.gateway.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.grpc.Status;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.produce.InFlightBudget;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GrpcFrameLimitTest {
  static final int LIMIT = 64 * 1024;
  static ActorSystem system;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("frame-limit", ConfigFactory.defaultReference());
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  static ByteString frame(int flags, byte[] message) {
    return GrpcFrameLimit.header(flags, message.length).concat(ByteString.fromArray(message));
  }

  static List<ByteString> run(Source<ByteString, ?> in, boolean gzip, InFlightBudget budget) throws Exception {
    return in.via(new GrpcFrameLimit(LIMIT, gzip, budget == null ? null : new CallBudget(budget), true)).runWith(Sink.seq(), system)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static Throwable failure(Source<ByteString, ?> in, boolean gzip) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> run(in, gzip, null));
    return e.getCause();
  }

  static void assertTooLarge(Throwable failure) {
    GrpcServiceException grpc = assertInstanceOf(GrpcServiceException.class, failure);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, grpc.getStatus().getCode());
    assertEquals("MESSAGE_TOO_LARGE", grpc.getMetadata().getText(BrokerException.REASON_TRAILER).orElseThrow());
  }

  static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(data);
    }
    return out.toByteArray();
  }

  @Test
  void passesFramesOnWholeHoweverTheBytesArrive() throws Exception {
    byte[] a = new byte[LIMIT];
    a[7] = 7;
    ByteString both = frame(0, a).concat(frame(0, "b".getBytes()));
    // split into chunks of 1000 bytes: the prefix and the messages straddle chunk borders
    List<ByteString> chunks = new java.util.ArrayList<>();
    for (int i = 0; i < both.size(); i += 1000) {
      chunks.add(both.slice(i, Math.min(both.size(), i + 1000)));
    }
    List<ByteString> out = run(Source.from(chunks), false, null);
    assertEquals(List.of(frame(0, a), frame(0, "b".getBytes())), out);
  }

  @Test
  void refusesAMessageOverTheLimitFromItsPrefixAlone() {
    // the body never comes: the refusal must not wait for it
    Source<ByteString, ?> prefixOnly = Source.single(GrpcFrameLimit.header(0, LIMIT + 1))
        .concat(Source.<ByteString>maybe());
    assertTooLarge(failure(prefixOnly, false));
    assertTooLarge(failure(Source.single(GrpcFrameLimit.header(0, -1)), false));
  }

  @Test
  void inflatesGzipMessagesAndPassesThemOnUncompressed() throws Exception {
    byte[] text = "hello ".repeat(1000).getBytes();
    assertEquals(List.of(frame(0, text)), run(Source.single(frame(1, gzip(text))), true, null));
  }

  @Test
  void refusesAGzipMessageInflatingOverTheLimit() throws Exception {
    byte[] bomb = gzip(new byte[16 * LIMIT]);
    assertTrue(bomb.length < LIMIT);
    assertTooLarge(failure(Source.single(frame(1, bomb)), true));
  }

  @Test
  void aProduceMessageTakesItsSizeFromTheBudgetUntilHandedOn() throws Exception {
    InFlightBudget budget = new InFlightBudget(LIMIT);
    byte[] message = new byte[100];
    assertEquals(List.of(frame(0, message), frame(0, message)),
        run(Source.single(frame(0, message).concat(frame(0, message))), false, budget));
    assertEquals(0, budget.used(), "given back once handed on");
  }

  @Test
  void aProduceMessageThatDoesNotFitTheBudgetIsRefusedAsBusyBeforeItsBodyIsRead() {
    InFlightBudget budget = new InFlightBudget(LIMIT);
    assertTrue(budget.tryAcquire(LIMIT - 10));
    Source<ByteString, ?> prefixOnly = Source.single(GrpcFrameLimit.header(0, 100)).concat(Source.<ByteString>maybe());
    ExecutionException e = assertThrows(ExecutionException.class, () -> run(prefixOnly, false, budget));
    GrpcServiceException grpc = assertInstanceOf(GrpcServiceException.class, e.getCause());
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, grpc.getStatus().getCode());
    assertEquals("BROKER_BUSY", grpc.getMetadata().getText(BrokerException.REASON_TRAILER).orElseThrow());
    assertEquals(LIMIT - 10, budget.used());
  }
}
