package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.CorruptedRecordException;
import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention drops only expendable ids (here {@code queue|...}): the live events of every other id
 * (a registry, a consumer group with deleted events) are carried forward before their segment
 * goes, through several rounds of retention past every segment that ever held them, and are all
 * there after a reopen, and after a ConsumeQueue rebuild from the log.
 */
class RetentionCarryForwardTest {
  @TempDir Path dir;
  StoreSettings settings;
  long queueSeq;

  @BeforeEach
  void settings() {
    settings = StoreSettings.of(dir, "segment-size = 8 KiB\n"
        + "retention { disk-usage-ratio = 0.90, expendable-id-prefixes = [\"queue|\"] }\n"
        + "disk-limits { max-used-ratio = 1.0, hard-max-used-ratio = 1.0 }");
  }

  private MessageStore open() throws Exception {
    // The disk always looks 95% full: every run deletes every segment but the active one.
    return MessageStore.open(settings, Clock.systemUTC(), () -> 0.95);
  }

  private static List<EventRecord> event(String persistenceId, long sequenceNr, int payloadBytes) {
    byte[] payload = new byte[payloadBytes];
    byte[] name = (persistenceId + "#" + sequenceNr).getBytes(StandardCharsets.UTF_8);
    System.arraycopy(name, 0, payload, 0, name.length);
    return List.of(new EventRecord(persistenceId, sequenceNr, "w", List.of(), 4, "m", "", payload));
  }

  /** Messages enough to fill {@code segments} segments. */
  private void messages(MessageStore store, int segments) throws Exception {
    for (int i = 0; i < segments * 8; i++) {
      store.append(event("queue|t-0", ++queueSeq, 1000)).get();
    }
  }

  private static List<String> names(MessageStore store, String persistenceId) throws Exception {
    return store.readRetained(persistenceId, 1, Long.MAX_VALUE, 100).stream()
        .map(RetentionCarryForwardTest::name).toList();
  }

  private static String name(StoredRecord r) {
    String s = new String(r.payload(), StandardCharsets.UTF_8);
    return s.substring(0, s.indexOf('\0') < 0 ? s.length() : s.indexOf('\0'));
  }

  private Set<String> segmentFiles() throws Exception {
    try (Stream<Path> files = Files.list(settings.commitLogDir())) {
      return Set.copyOf(files.map(p -> p.getFileName().toString()).toList());
    }
  }

  private void assertLongLivedStateIntact(MessageStore store) throws Exception {
    assertEquals(List.of("topic-registry#1", "topic-registry#2", "topic-registry#3", "topic-registry#4"),
        names(store, "topic-registry"));
    assertEquals(List.of("group|g|t-0#3", "group|g|t-0#4", "group|g|t-0#5"), names(store, "group|g|t-0"));
    assertEquals(3, store.lowestSequenceNr("group|g|t-0"));
    assertTrue(store.lowestSequenceNr("queue|t-0") > 1, "messages were dropped");
  }

  @Test
  void keepsASegmentWhoseLongLivedEventCannotBeVerified() throws Exception {
    try (MessageStore store = open()) {
      store.append(event("topic-registry", 1, 200)).get();
      long position = store.read("topic-registry", 1, 1, 1).get(0).position();
      messages(store, 2);
      LogFiles.flip(settings, position + 60);

      assertThrows(CorruptedRecordException.class, store::runRetention);
      assertTrue(Files.exists(LogFiles.segmentFile(settings, 0)), "the segment stays");
      assertEquals(0, store.minPosition());
    }
  }

  @Test
  void longLivedEventsSurviveRetentionPastEverySegmentThatHeldThemAndARestart() throws Exception {
    Set<String> early;
    try (MessageStore store = open()) {
      store.append(event("topic-registry", 1, 200)).get();
      store.append(event("group|g|t-0", 1, 200)).get();
      messages(store, 1);
      store.append(event("topic-registry", 2, 200)).get();
      store.append(event("group|g|t-0", 2, 200)).get();
      store.append(event("group|g|t-0", 3, 200)).get();
      messages(store, 2);
      store.append(event("topic-registry", 3, 200)).get();
      store.deleteTo("group|g|t-0", 2).get();
      store.append(event("group|g|t-0", 4, 200)).get();
      messages(store, 1);
      store.append(event("topic-registry", 4, 200)).get();
      store.append(event("group|g|t-0", 5, 200)).get();
      early = segmentFiles();

      for (int round = 0; round < 3; round++) {
        messages(store, 2);
        store.runRetention();
        assertLongLivedStateIntact(store);
      }
      Set<String> left = segmentFiles();
      assertTrue(left.stream().noneMatch(early::contains), "every early segment is gone: " + early + " / " + left);
    }
    try (MessageStore store = open()) {
      assertLongLivedStateIntact(store);
    }
    try (Stream<Path> walk = Files.walk(settings.consumeQueueDir())) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    Files.delete(settings.checkpointFile());
    try (MessageStore store = open()) {
      assertLongLivedStateIntact(store);
      assertFalse(names(store, "queue|t-0").isEmpty());
    }
  }
}
