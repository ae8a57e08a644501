package io.sluice.persistence.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import io.sluice.persistence.snapshot.internal.SnapshotFileName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SaveSnapshotSuccess;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * What the TCK does not cover: unreadable snapshots, crash leftovers and unusual persistence ids,
 * checked through the plugin's message protocol and the files it leaves in the directory.
 */
class FileSnapshotStoreTest {

  @TempDir static Path dir;
  static ActorSystem system;
  static final AtomicInteger testCount = new AtomicInteger();

  String pid;
  TestKit senderProbe;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("FileSnapshotStoreTest", SnapshotTestConfig.create(dir));
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void newPersistenceId() {
    pid = "store-test-" + testCount.incrementAndGet();
    senderProbe = new TestKit(system);
  }

  /** Ways the newest snapshot file can become unreadable. */
  enum Damage {
    FLIPPED_BODY_BYTE {
      @Override
      byte[] apply(byte[] file, byte[] otherFile) {
        byte[] damaged = file.clone();
        damaged[damaged.length - 3] ^= 0x40;
        return damaged;
      }
    },
    TRUNCATED {
      @Override
      byte[] apply(byte[] file, byte[] otherFile) {
        return Arrays.copyOf(file, file.length / 2);
      }
    },
    EMPTY {
      @Override
      byte[] apply(byte[] file, byte[] otherFile) {
        return new byte[0];
      }
    },
    CONTENT_OF_ANOTHER_SNAPSHOT {
      @Override
      byte[] apply(byte[] file, byte[] otherFile) {
        return otherFile;
      }
    };

    abstract byte[] apply(byte[] file, byte[] otherFile);
  }

  @ParameterizedTest
  @EnumSource(Damage.class)
  void fallsBackToPreviousSnapshotWhenNewestIsUnreadable(Damage damage) throws IOException {
    SnapshotMetadata older = save(SnapshotMetadata.apply(pid, 1), "older");
    SnapshotMetadata newest = save(SnapshotMetadata.apply(pid, 2), "newest");
    Path newestFile = fileOf(newest);
    Files.write(
        newestFile,
        damage.apply(Files.readAllBytes(newestFile), Files.readAllBytes(fileOf(older))));

    ListAppender<ILoggingEvent> logged = captureLogs();
    try {
      load(pid, SnapshotSelectionCriteria.latest());
      senderProbe.expectMsg(snapshot(older, "older"));
      assertTrue(
          logged.list.stream()
              .anyMatch(
                  e ->
                      e.getLevel() == Level.WARN
                          && e.getFormattedMessage().contains(newestFile.toString())),
          "a WARN names " + newestFile);
    } finally {
      stopCapturing(logged);
    }
  }

  @Test
  void failsLoadWhenMaxLoadAttemptsNewestSnapshotsAreUnreadable() throws IOException {
    save(SnapshotMetadata.apply(pid, 1), "readable but beyond max-load-attempts");
    for (long seqNr = 2; seqNr <= 4; seqNr++) {
      Files.write(fileOf(save(SnapshotMetadata.apply(pid, seqNr), "s")), new byte[] {1, 2, 3});
    }

    load(pid, SnapshotSelectionCriteria.latest());
    senderProbe.expectMsgClass(SnapshotProtocol.LoadSnapshotFailed.class);
  }

  @Test
  void failsLoadRatherThanReturnNothingWhenOnlySnapshotIsUnreadable() throws IOException {
    Files.write(fileOf(save(SnapshotMetadata.apply(pid, 1), "s")), new byte[] {1, 2, 3});

    load(pid, SnapshotSelectionCriteria.latest());
    senderProbe.expectMsgClass(SnapshotProtocol.LoadSnapshotFailed.class);
  }

  @Test
  void ignoresLeftoverTempFileOfUnfinishedSave() throws IOException {
    SnapshotMetadata saved = save(SnapshotMetadata.apply(pid, 1), "complete");
    byte[] halfWritten = Arrays.copyOf(Files.readAllBytes(fileOf(saved)), 20);
    Files.write(
        SnapshotTestConfig.mainDir(dir).resolve(SnapshotFileName.newTempFileName()), halfWritten);

    load(pid, SnapshotSelectionCriteria.latest());
    senderProbe.expectMsg(snapshot(saved, "complete"));
  }

  @Test
  void deletesLeftoverTempFilesWhenStoreStarts() throws IOException {
    Path otherDir = Files.createDirectories(SnapshotTestConfig.otherDir(dir));
    Path leftover = otherDir.resolve(SnapshotFileName.newTempFileName());
    Files.write(leftover, "half a snapshot".getBytes(StandardCharsets.UTF_8));
    Path foreign = Files.writeString(otherDir.resolve("README"), "not ours");

    // the plugin starts on first use, and cleans up before it handles any message
    ActorRef otherStore =
        Persistence.get(system)
            .snapshotStoreFor(SnapshotTestConfig.OTHER_STORE, ConfigFactory.empty());
    otherStore.tell(
        new SnapshotProtocol.LoadSnapshot(pid, SnapshotSelectionCriteria.latest(), Long.MAX_VALUE),
        senderProbe.getRef());
    senderProbe.expectMsg(new SnapshotProtocol.LoadSnapshotResult(Option.empty(), Long.MAX_VALUE));

    assertFalse(Files.exists(leftover), "temp file deleted");
    assertTrue(Files.exists(foreign), "files that are not ours are kept");
  }

  static Stream<String> unusualPersistenceIds() {
    return Stream.of(
        "orders/eu-west/42",
        "Topic|orders|0",
        "ünïcødé-日本語-🙂",
        ".",
        "..",
        "%2F-not-an-escape",
        "with space\tand\nnewline",
        "x".repeat(400),
        "/".repeat(400));
  }

  @ParameterizedTest
  @MethodSource("unusualPersistenceIds")
  void roundTripsUnusualPersistenceId(String persistenceId) throws IOException {
    SnapshotMetadata saved =
        save(SnapshotMetadata.apply(persistenceId, 7), "state of " + persistenceId);

    load(persistenceId, SnapshotSelectionCriteria.latest());
    senderProbe.expectMsg(snapshot(saved, "state of " + persistenceId));
    Path file = fileOf(saved);
    assertTrue(Files.exists(file));
    assertTrue(file.getFileName().toString().getBytes(StandardCharsets.UTF_8).length < 255);
  }

  @Test
  void keepsIdsApartThatDifferOnlyInCaseOrInTheirTail() {
    String longId = "y".repeat(399);
    List<String> ids = List.of(pid + "-Case", pid + "-case", longId + "a", longId + "b");
    List<SnapshotMetadata> saved =
        ids.stream().map(id -> save(SnapshotMetadata.apply(id, 1), "of " + id)).toList();

    for (int i = 0; i < ids.size(); i++) {
      load(ids.get(i), SnapshotSelectionCriteria.latest());
      senderProbe.expectMsg(snapshot(saved.get(i), "of " + ids.get(i)));
    }
  }

  @Test
  void keepsOneFilePerSequenceNrWhenSavedAgain() throws IOException {
    save(SnapshotMetadata.apply(pid, 3), "first");
    SnapshotMetadata second = save(SnapshotMetadata.apply(pid, 3), "second");

    String idPart = SnapshotFileName.idPart(pid);
    try (Stream<Path> files = Files.list(SnapshotTestConfig.mainDir(dir))) {
      List<Path> ofPid =
          files.filter(p -> p.getFileName().toString().startsWith(idPart + "-")).toList();
      assertEquals(List.of(fileOf(second)), ofPid);
    }
  }

  private static ActorRef store() {
    return Persistence.get(system).snapshotStoreFor(null, ConfigFactory.empty());
  }

  private SnapshotMetadata save(SnapshotMetadata md, Object snapshot) {
    store().tell(new SnapshotProtocol.SaveSnapshot(md, snapshot), senderProbe.getRef());
    return senderProbe.expectMsgClass(SaveSnapshotSuccess.class).metadata();
  }

  private void load(String persistenceId, SnapshotSelectionCriteria criteria) {
    store()
        .tell(
            new SnapshotProtocol.LoadSnapshot(persistenceId, criteria, Long.MAX_VALUE),
            senderProbe.getRef());
  }

  private static SnapshotProtocol.LoadSnapshotResult snapshot(
      SnapshotMetadata md, Object snapshot) {
    return new SnapshotProtocol.LoadSnapshotResult(
        Option.apply(SelectedSnapshot.create(md, snapshot)), Long.MAX_VALUE);
  }

  private static Path fileOf(SnapshotMetadata md) {
    return SnapshotTestConfig.mainDir(dir)
        .resolve(
            SnapshotFileName.of(md.persistenceId(), md.sequenceNr(), md.timestamp()).fileName());
  }

  private static ListAppender<ILoggingEvent> captureLogs() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger(FileSnapshotStore.class)).addAppender(appender);
    return appender;
  }

  private static void stopCapturing(ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(FileSnapshotStore.class)).detachAppender(appender);
    appender.stop();
  }
}
