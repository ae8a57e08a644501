package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.grpc.Status;
import io.sluice.protocol.v1.Reason;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.AskTimeoutException;
import org.junit.jupiter.api.Test;

class BrokerExceptionTest {
  @Test
  void echoedInputIsCutAndTheRuleStays() {
    String name = "n".repeat(10_000);
    BrokerException e = assertThrows(BrokerException.class, () -> Names.check("topic", name));
    assertEquals("topic name '" + "n".repeat(BrokerException.MAX_ECHO)
        + "...' is invalid: use 1..127 of letters, digits, '_', '-', '%'", e.getMessage());
    assertEquals(e.getMessage(), e.toGrpc().getStatus().getDescription());
    assertEquals(e.getMessage(), e.toItemStatus().getMessage());
  }

  @Test
  void aLongDescriptionIsCut() {
    String description = new BrokerException(Status.Code.INVALID_ARGUMENT, Reason.INVALID_ARGUMENT,
        "x".repeat(5_000) + " 'a' '" + "y".repeat(300)).getMessage();
    assertEquals(BrokerException.MAX_DESCRIPTION + 3, description.length());
    assertTrue(description.endsWith("..."), description);
    assertEquals("short 'quote' stays", BrokerException.bounded("short 'quote' stays"));
  }

  @Test
  void askTimeoutIsReportedAsBusyAndUnavailable() {
    for (Throwable failure : new Throwable[] {
        new AskTimeoutException("Ask timed out on [queue] after [10000 ms]"),
        new CompletionException(new AskTimeoutException("Ask timed out on [queue] after [10000 ms]")),
        new CompletionException(new CompletionException(new AskTimeoutException("nested")))}) {
      BrokerException e = BrokerException.of(failure);
      assertEquals(Status.Code.UNAVAILABLE, e.code(), failure.toString());
      assertEquals(Reason.BROKER_BUSY, e.reason(), failure.toString());
    }
  }

  @Test
  void aRealAskThatTimesOutIsReportedAsBusyAndUnavailable() throws Exception {
    // Pekko's reference config only: the node's application.conf would exit the JVM on terminate
    ActorSystem<Object> system =
        ActorSystem.create(Behaviors.ignore(), "broker-exception-test", ConfigFactory.defaultReference());
    try {
      ActorRef<Object> silent = system;
      var answer = AskPattern.<Object, Object>ask(
          silent, replyTo -> "never answered", Duration.ofMillis(50), system.scheduler())
          .thenApply(reply -> reply);
      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> answer.toCompletableFuture().get(30, TimeUnit.SECONDS));
      BrokerException e = BrokerException.of(failed);
      assertEquals(Status.Code.UNAVAILABLE, e.code(), failed.getCause().toString());
      assertEquals(Reason.BROKER_BUSY, e.reason(), failed.getCause().toString());
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aStoreWhoseAskTimesOutHasAnUnknownOutcomeNotAFailure() {
    for (Throwable failure : new Throwable[] {
        new AskTimeoutException("Ask timed out on [queue] after [10000 ms]"),
        new CompletionException(new CompletionException(new AskTimeoutException("nested")))}) {
      BrokerException e = BrokerException.ofStore(failure);
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code(), failure.toString());
      assertEquals(Reason.SEND_OUTCOME_UNKNOWN, e.reason(), failure.toString());
    }
  }

  @Test
  void aStoreRefusedForAKnownReasonKeepsItsReason() {
    BrokerException refused = BrokerException.invalid(Reason.TRANSACTION_RESOLVED, "resolved");
    assertEquals(refused, BrokerException.ofStore(new CompletionException(refused)));
  }

  @Test
  void anUnknownFailureIsAnInternalStorageError() {
    BrokerException e = BrokerException.of(new CompletionException(new IllegalStateException("boom")));
    assertEquals(Status.Code.INTERNAL, e.code());
    assertEquals(Reason.STORAGE_ERROR, e.reason());
  }

  @Test
  void theStoresRefusalForAFullDiskIsStorageFullWhereverItIsInTheChain() {
    var full = new io.sluice.persistence.store.StorageFullException("disk 97% full");
    for (Throwable failure : new Throwable[] {
        full, new CompletionException(full), new CompletionException(new IllegalStateException("persist failed", full))}) {
      BrokerException e = BrokerException.of(failure);
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.code(), failure.toString());
      assertEquals(Reason.STORAGE_FULL, e.reason(), failure.toString());
    }
  }

  @Test
  void aWriteTheStoreRefusedAsNotMasterReachesTheClientAsNotMaster() {
    Reason reason = BrokerNode.writeFailureReason(new CompletionException(
        new io.sluice.persistence.store.NotMasterException("store in /d is a replica")));
    assertEquals(Reason.NOT_MASTER, reason);
    BrokerException e = BrokerException.of(new org.apache.pekko.pattern.StatusReply.ErrorMessage(
        io.sluice.actors.queue.WriteFailures.describe(reason, "g1:orders/0")));
    assertEquals(Reason.NOT_MASTER, e.reason());
    assertEquals(Status.Code.UNAVAILABLE, e.code());
  }
}
