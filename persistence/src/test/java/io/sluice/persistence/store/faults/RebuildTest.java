package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.SequenceOutOfRangeException;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.StoredRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lost ConsumeQueue and Index files are rebuilt from the CommitLog; retention removes whole
 * segments and every structure follows it.
 */
class RebuildTest {
  private static final String SETTINGS =
      "segment-size = 64 KiB\n"
          + "flush-mode = sync\n"
          + "checkpoint-interval = 1 h\n"
          + "retention.check-interval = 1 h\n"
          + "consume-queue.entries-per-file = 64\n"
          + "index.slot-count = 64\n"
          + "index.max-entries = 128\n";
  private static final List<String> IDS = List.of("p0", "p1", "p2", "p3", "p4", "p5");
  private static final long EVENTS_PER_ID = 120;

  /** Written only at the start, so retention removes all of it. */
  private static final String EARLY = "early";

  private static final Map<String, Long> DELETED_TO = Map.of("p0", 50L, "p1", 119L, "p4", 30L);

  @TempDir Path dir;

  private StoreSettings settings(String overrides) {
    return StoreSettings.of(dir, SETTINGS + overrides);
  }

  private StoreSettings settings() {
    return settings("");
  }

  /**
   * Writes {@link #EARLY}, then {@link #IDS} round-robin (some as atomic writes of three), over
   * several segments; p2 and p3 carry key and message-id tags when {@code withKeys}. Deletes up to
   * {@link #DELETED_TO} last. Returns every event as written, before the deletions.
   */
  private static Map<String, List<StoredRecord>> populate(MessageStore store, boolean withKeys)
      throws Exception {
    for (long s = 1; s <= 20; s++) {
      store.append(List.of(FaultEvents.sized(EARLY, s, 300))).get();
    }
    for (long s = 1; s <= EVENTS_PER_ID; s += 3) {
      for (String id : IDS) {
        List<EventRecord> write = new ArrayList<>();
        for (long k = s; k < s + 3; k++) {
          write.add(FaultEvents.sized(id, k, 300, withKeys ? tags(id, k) : new String[0]));
        }
        if (id.equals("p5")) {
          store.append(write).get();
        } else {
          for (var e : write) {
            store.append(List.of(e)).get();
          }
        }
      }
    }
    Map<String, List<StoredRecord>> written = new LinkedHashMap<>();
    for (String id : allIds()) {
      written.put(id, store.read(id, 1, Long.MAX_VALUE, Long.MAX_VALUE));
    }
    for (var d : DELETED_TO.entrySet()) {
      store.deleteTo(d.getKey(), d.getValue()).get();
    }
    return written;
  }

  private static String[] tags(String id, long seq) {
    if (id.equals("p2")) {
      return new String[] {"key:order-" + seq % 10, "id:" + id + "-" + seq, "tag:T" + seq % 3};
    }
    if (id.equals("p3")) {
      return new String[] {"id:" + id + "-" + seq};
    }
    return new String[0];
  }

  private static List<String> allIds() {
    List<String> ids = new ArrayList<>(IDS);
    ids.add(EARLY);
    return ids;
  }

  /** What reads show of every id: highest, lowest and each readable event with its position. */
  private static Map<String, String> view(MessageStore store) throws IOException {
    Map<String, String> view = new TreeMap<>();
    for (String id : allIds()) {
      StringBuilder sb = new StringBuilder();
      sb.append("highest=")
          .append(store.highestSequenceNr(id))
          .append(" lowest=")
          .append(store.lowestSequenceNr(id));
      for (StoredRecord r :
          store.read(id, store.lowestSequenceNr(id), Long.MAX_VALUE, Long.MAX_VALUE)) {
        sb.append(' ').append(r.sequenceNr()).append('@').append(r.position());
        assertTrue(
            FaultEvents.payloadOf(r).startsWith(id + "#" + r.sequenceNr() + "\0"), r.toString());
      }
      view.put(id, sb.toString());
    }
    return view;
  }

  /** Positions found by key, message id and time. */
  private static List<String> lookups(MessageStore store) throws IOException {
    List<String> out = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      out.add(
          "key " + k + " " + positions(store.lookupByKey("order-" + k, 0, Long.MAX_VALUE, 1000)));
    }
    for (long s = 1; s <= EVENTS_PER_ID; s += 7) {
      out.add("id p2-" + s + " " + positions(store.lookupByMessageId("p2-" + s, 10)));
      out.add("id p3-" + s + " " + positions(store.lookupByMessageId("p3-" + s, 10)));
    }
    out.add("time " + positions(store.lookupByTime(0, Long.MAX_VALUE, 10_000)));
    return out;
  }

  private static List<Long> positions(List<StoredRecord> records) {
    return records.stream().map(StoredRecord::position).toList();
  }

  private static void deleteTree(Path path) throws IOException {
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  private static void assertEveryLookupFinds(List<String> lookups) {
    for (String l : lookups) {
      assertTrue(l.startsWith("id") ? l.matches("id \\S+ \\[\\d+\\]") : !l.endsWith("[]"), l);
    }
  }

  // ConsumeQueues

  @Test
  void rebuildsEveryConsumeQueueWhenTheirDirectoryIsGone() throws Exception {
    Map<String, String> before;
    try (MessageStore store = MessageStore.open(settings())) {
      populate(store, true);
      before = view(store);
    }
    assertTrue(LogFiles.segmentFiles(settings()).size() >= 4, "several segments");
    deleteTree(settings().consumeQueueDir());

    try (MessageStore store = MessageStore.open(settings())) {
      assertEquals(before, view(store));
      assertEquals(51, store.lowestSequenceNr("p0"));
      assertEquals(120, store.lowestSequenceNr("p1"));
      assertEquals(EVENTS_PER_ID, store.highestSequenceNr("p1"));
      store.append(List.of(FaultEvents.sized("p1", EVENTS_PER_ID + 1, 10))).get();
      assertEquals(
          List.of(120L, 121L),
          store.read("p1", 1, Long.MAX_VALUE, Long.MAX_VALUE).stream()
              .map(StoredRecord::sequenceNr)
              .toList());
    }
  }

  @Test
  void rebuildsTheConsumeQueueOfOneIdWhoseDirectoryIsGone() throws Exception {
    Map<String, String> before;
    try (MessageStore store = MessageStore.open(settings())) {
      populate(store, true);
      before = view(store);
    }
    deleteTree(settings().consumeQueueDir().resolve("p4"));

    try (MessageStore store = MessageStore.open(settings())) {
      assertEquals(before, view(store));
      assertEquals(31, store.lowestSequenceNr("p4"));
    }
  }

  @Test
  void rebuildsAConsumeQueueWhoseNewestFileIsGone() throws Exception {
    Map<String, String> before;
    try (MessageStore store = MessageStore.open(settings())) {
      populate(store, false);
      before = view(store);
    }
    Path p3 = settings().consumeQueueDir().resolve("p3");
    Files.delete(p3.resolve(String.format("%020d", 64)));

    try (MessageStore store = MessageStore.open(settings())) {
      assertEquals(before, view(store));
    }
  }

  // Index

  @Test
  void rebuildsTheIndexWhenItsDirectoryIsGone() throws Exception {
    List<String> before;
    try (MessageStore store = MessageStore.open(settings())) {
      populate(store, true);
      before = lookups(store);
    }
    assertEveryLookupFinds(before);
    assertTrue(LogFiles.segmentFiles(settings()).size() >= 4);
    deleteTree(settings().indexDir());

    try (MessageStore store = MessageStore.open(settings())) {
      assertEquals(before, lookups(store));
    }
  }

  @Test
  void keyTaggedRecordsSurviveAPlainReopen() throws Exception {
    Map<String, String> before;
    List<String> lookupsBefore;
    long end;
    try (MessageStore store = MessageStore.open(settings())) {
      populate(store, true);
      before = view(store);
      lookupsBefore = lookups(store);
      end = store.confirmedPosition();
    }

    try (MessageStore store = MessageStore.open(settings())) {
      assertEquals(end, store.recovery().end(), "nothing truncated after a clean close");
      assertEquals(before, view(store));
      assertEquals(lookupsBefore, lookups(store));
    }
  }

  // Retention

  @Test
  void retentionByTimeDeletesEverySegmentButTheActiveOne() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    StoreSettings settings = settings("retention.time = 1 h");
    Map<String, List<StoredRecord>> written;
    try (MessageStore store = MessageStore.open(settings, clock)) {
      written = populate(store, false);
      store.runRetention();
      assertTrue(LogFiles.segmentFiles(settings).size() >= 4, "nothing is an hour old yet");
      assertEquals(0, store.minPosition());

      clock.advance(Duration.ofHours(2));
      store.runRetention();
      assertRetainedOnlyTheActiveSegment(store, settings, written);
    }
    try (MessageStore store = MessageStore.open(settings, clock)) {
      assertRetainedOnlyTheActiveSegment(store, settings, written);
      store.append(List.of(FaultEvents.sized("p2", EVENTS_PER_ID + 1, 10))).get();
      assertEquals(
          EVENTS_PER_ID + 1,
          store.read("p2", EVENTS_PER_ID + 1, Long.MAX_VALUE, 10).get(0).sequenceNr());
    }
  }

  @Test
  void retentionByDiskUsageDeletesEverySegmentButTheActiveOne() throws Exception {
    StoreSettings settings = settings("retention.disk-usage-ratio = 0.0");
    Map<String, List<StoredRecord>> written;
    try (MessageStore store = MessageStore.open(settings, Clock.systemUTC())) {
      written = populate(store, false);
      store.runRetention();
      assertRetainedOnlyTheActiveSegment(store, settings, written);
    }
    try (MessageStore store = MessageStore.open(settings, Clock.systemUTC())) {
      assertRetainedOnlyTheActiveSegment(store, settings, written);
    }
  }

  private static void assertRetainedOnlyTheActiveSegment(
      MessageStore store, StoreSettings settings, Map<String, List<StoredRecord>> written)
      throws IOException {
    long min = store.minPosition();
    assertTrue(min > 0, "minPosition moved up");
    assertEquals(List.of(LogFiles.segmentFile(settings, min)), LogFiles.segmentFiles(settings));
    boolean someRemovedAndSomeKept = false;
    for (var entry : written.entrySet()) {
      String id = entry.getKey();
      List<StoredRecord> all = entry.getValue();
      long highest = all.size();
      long retained =
          all.stream()
              .filter(r -> r.position() >= min)
              .mapToLong(StoredRecord::sequenceNr)
              .min()
              .orElse(highest + 1);
      long deletedTo = DELETED_TO.getOrDefault(id, 0L);
      long lowest = Math.max(deletedTo + 1, retained);
      assertEquals(highest, store.highestSequenceNr(id), id);
      assertEquals(
          lowest, store.lowestSequenceNr(id), id + ": lowest reflects deletion and retention");
      assertEquals(
          all.stream().filter(r -> r.sequenceNr() >= lowest).map(StoredRecord::position).toList(),
          positions(store.read(id, lowest, Long.MAX_VALUE, Long.MAX_VALUE)),
          id + ": the events after the cut");
      if (retained > deletedTo + 1) {
        SequenceOutOfRangeException e =
            assertThrows(
                SequenceOutOfRangeException.class,
                () -> store.read(id, 1, Long.MAX_VALUE, Long.MAX_VALUE));
        assertEquals(id, e.persistenceId());
        assertEquals(deletedTo + 1, e.requested());
        assertEquals(retained, e.lowestAvailable());
        assertTrue(
            e.getMessage().contains("'" + id + "'") && e.getMessage().contains("below " + retained),
            e.getMessage());
        someRemovedAndSomeKept |= retained <= highest;
      }
    }
    assertTrue(someRemovedAndSomeKept, "an id lost its early events and kept later ones");
    assertEquals(
        DELETED_TO.get("p1") + 1,
        store.lowestSequenceNr("p1"),
        "p1's lowest comes from its deletion");
    assertEquals(21, store.lowestSequenceNr(EARLY), "all of " + EARLY + " was removed");
  }

  @Test
  void aConsumeQueueRebuiltAfterRetentionKeepsItsLowestSequenceNrAcrossReopens() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    StoreSettings settings = settings("retention.time = 1 h");
    Map<String, Long> lowest = new TreeMap<>();
    try (MessageStore store = MessageStore.open(settings, clock)) {
      populate(store, false);
      clock.advance(Duration.ofHours(2));
      store.runRetention();
      for (String id : IDS) {
        lowest.put(id, store.lowestSequenceNr(id));
      }
    }
    deleteTree(settings.consumeQueueDir());
    try (MessageStore store = MessageStore.open(settings, clock)) {
      for (String id : IDS) {
        assertEquals(lowest.get(id), store.lowestSequenceNr(id), id + " after the rebuild");
      }
    }
    try (MessageStore store = MessageStore.open(settings, clock)) {
      for (String id : IDS) {
        assertEquals(lowest.get(id), store.lowestSequenceNr(id), id + " after the next reopen");
        store.read(id, store.lowestSequenceNr(id), Long.MAX_VALUE, Long.MAX_VALUE);
      }
    }
  }
}
