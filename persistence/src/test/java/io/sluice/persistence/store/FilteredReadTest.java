package io.sluice.persistence.store;

import static io.sluice.persistence.store.Events.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MessageStore#readFiltered}: which records it reads, which it reports as skipped runs, and
 * its limits. Entries are written as {@code a#1..} with the tags given; results are rendered as
 * {@code "2"} for a record and {@code "3-4"} for a skipped run, in order.
 */
class FilteredReadTest {
  @TempDir Path dir;

  private MessageStore open() throws Exception {
    return MessageStore.open(StoreSettings.of(dir, "segment-size = 64 KiB\n"));
  }

  /** Appends a#1.. one write each; entry i carries filter tag {@code tag:<tags[i]>}, none if empty. */
  private static void append(MessageStore store, long first, String... tags) throws Exception {
    for (int i = 0; i < tags.length; i++) {
      long s = first + i;
      store.append(List.of(tags[i].isEmpty()
          ? event("a", s, "key:k" + s)
          : event("a", s, "key:k" + s, "tag:" + tags[i]))).get();
    }
  }

  private static List<String> render(FilteredRead read) {
    List<String> out = new ArrayList<>();
    for (FilteredRead.Entry e : read.entries()) {
      if (e instanceof FilteredRead.Matched m) {
        assertEquals("a#" + m.record().sequenceNr(), Events.payloadOf(m.record()));
        out.add(String.valueOf(m.record().sequenceNr()));
      } else {
        FilteredRead.Skipped r = (FilteredRead.Skipped) e;
        out.add(r.fromSequenceNr() + "-" + r.toSequenceNr());
      }
    }
    return out;
  }

  private static FilteredRead readAll(MessageStore store, String... tags) throws Exception {
    return store.readFiltered("a", 1, Long.MAX_VALUE, store.filterTags(Set.of(tags)), 1000, 1000);
  }

  @Test
  void readsTheRecordsWithAnAcceptedTagAndReportsTheRestAsRuns() throws Exception {
    try (MessageStore store = open()) {
      append(store, 1, "B", "A", "B", "", "A", "A", "C", "B", "A", "B");
      FilteredRead read = readAll(store, "tag:A");
      assertEquals(List.of("1-1", "2", "3-4", "5", "6", "7-8", "9", "10-10"), render(read));
      assertEquals(11, read.nextSequenceNr());
      assertEquals(List.of("1-1", "2", "3-4", "5", "6", "7", "8-8", "9", "10-10"),
          render(readAll(store, "tag:A", "tag:C")));
      assertEquals(List.of("1-10"), render(readAll(store, "tag:D")), "a tag no event carries");
    }
  }

  @Test
  void stopsAfterMaxRecordsOrMaxEntries() throws Exception {
    try (MessageStore store = open()) {
      append(store, 1, "B", "A", "B", "A", "A", "B");
      FilterTags a = store.filterTags(Set.of("tag:A"));

      FilteredRead twoRecords = store.readFiltered("a", 1, 100, a, 2, 1000);
      assertEquals(List.of("1-1", "2", "3-3", "4"), render(twoRecords));
      assertEquals(5, twoRecords.nextSequenceNr());

      FilteredRead threeEntries = store.readFiltered("a", 3, 100, a, 1000, 3);
      assertEquals(List.of("3-3", "4", "5"), render(threeEntries));
      assertEquals(6, threeEntries.nextSequenceNr());

      FilteredRead bounded = store.readFiltered("a", 5, 6, a, 1000, 1000);
      assertEquals(List.of("5", "6-6"), render(bounded));
      assertEquals(7, bounded.nextSequenceNr());
    }
  }

  @Test
  void skipsHolesAndDeletedEventsBetweenRuns() throws Exception {
    try (MessageStore store = open()) {
      append(store, 1, "B", "B", "A", "B");
      append(store, 7, "B", "B", "A"); // 5 and 6 are holes
      store.deleteTo("a", 1).get();
      assertEquals(List.of("2-2", "3", "4-4", "7-8", "9"), render(readAll(store, "tag:A")));
    }
  }

  @Test
  void readsNothingPastTheHighestAndNothingOfAnUnknownId() throws Exception {
    try (MessageStore store = open()) {
      append(store, 1, "A");
      FilterTags a = store.filterTags(Set.of("tag:A"));
      FilteredRead past = store.readFiltered("a", 2, Long.MAX_VALUE, a, 10, 10);
      assertEquals(List.of(), past.entries());
      assertEquals(2, past.nextSequenceNr());
      FilteredRead unknown = store.readFiltered("nobody", 1, Long.MAX_VALUE, a, 10, 10);
      assertEquals(List.of(), unknown.entries());
      assertEquals(1, unknown.nextSequenceNr());
    }
  }

  @Test
  void startsAtTheLowestEventRetentionLeft() throws Exception {
    try (MessageStore store = MessageStore.open(
        StoreSettings.of(dir, "segment-size = 64 KiB\nretention.disk-usage-ratio = 0.0\n"))) {
      for (long s = 1; s <= 300; s++) {
        store.append(List.of(new EventRecord("a", s, "w", List.of(s % 2 == 0 ? "tag:A" : "tag:B"), 4, "m", "",
            new byte[1000]))).get();
      }
      store.runRetention();
      long lowest = store.lowestSequenceNr("a");
      assertTrue(lowest > 1, "retention removed the first segments");

      FilteredRead read = store.readFiltered("a", 1, 300, store.filterTags(Set.of("tag:A")), 1000, 1000);
      FilteredRead.Entry first = read.entries().get(0);
      long firstSequenceNr = first instanceof FilteredRead.Matched m
          ? m.record().sequenceNr()
          : ((FilteredRead.Skipped) first).fromSequenceNr();
      assertEquals(lowest, firstSequenceNr);
      assertEquals(301, read.nextSequenceNr());
    }
  }

  @Test
  void rejectsATagWithoutTheFilterPrefix() throws Exception {
    try (MessageStore store = open()) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> store.filterTags(Set.of("A")));
      assertTrue(e.getMessage().contains("'tag:'"), e.getMessage());
    }
  }

  @Test
  void acceptsOnlyARecordWhoseFirstFilterTagIsAccepted() {
    FilterTags a = new FilterTags("tag:", Set.of("tag:A"));
    assertTrue(a.matches(List.of("key:x", "tag:A")));
    assertFalse(a.matches(List.of("tag:B")), "a hash collision is rejected by the tag itself");
    assertFalse(a.matches(List.of("tag:B", "tag:A")), "only the first filter tag is hashed");
    assertFalse(a.matches(List.of("key:A")));
  }
}
