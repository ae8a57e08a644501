package io.sluice.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MessageIdsTest {
  private static final String HEX32 = "[0-9a-f]{32}";

  @Test
  void idsWithinOneMillisecondAreUniqueAndStrictlyIncreasing() {
    MessageIds ids = new MessageIds(() -> 1_700_000_000_000L, new SplittableRandom(1));
    String previous = ids.nextId();
    Set<String> seen = new HashSet<>();
    seen.add(previous);
    for (int i = 0; i < 100_000; i++) {
      String id = ids.nextId();
      assertTrue(id.matches(HEX32), id);
      assertTrue(id.compareTo(previous) > 0, previous + " then " + id);
      assertTrue(seen.add(id));
      previous = id;
    }
  }

  @Test
  void idsStayOrderedWhenTheClockStepsBack() {
    AtomicLong clock = new AtomicLong(5_000);
    MessageIds ids = new MessageIds(clock::get, new SplittableRandom(2));
    String before = ids.nextId();
    clock.set(4_000);
    String after = ids.nextId();
    assertTrue(after.compareTo(before) > 0);
    assertEquals(5_000, MessageIds.timestampMs(after, -1), "the last millisecond is kept");
  }

  @Test
  void idsOfLaterMillisecondsSortAfterEarlierOnes() {
    AtomicLong clock = new AtomicLong(1_000);
    MessageIds ids = new MessageIds(clock::get, new SplittableRandom(3));
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      clock.addAndGet(i % 3 == 0 ? 1 : 0);
      made.add(ids.nextId());
    }
    List<String> sorted = new ArrayList<>(made);
    sorted.sort(null);
    assertEquals(sorted, made);
  }

  @Test
  void idsCarryTheMillisecondTheyWereMadeIn() {
    MessageIds ids = new MessageIds(() -> 0x0123456789abL, new SplittableRandom(4));
    String id = ids.nextId();
    assertTrue(id.startsWith("0123456789ab"), id);
    assertEquals(0x0123456789abL, MessageIds.timestampMs(id, -1));
    assertEquals(-1, MessageIds.timestampMs("not-an-id", -1));
  }

  @Test
  void concurrentIdsFromTheSharedGeneratorAreUnique() throws Exception {
    Set<String> all = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> jobs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        jobs.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 25_000; i++) {
                    all.add(MessageIds.next());
                  }
                }));
      }
      for (Future<?> f : jobs) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(100_000, all.size());
  }

  @Test
  void sharedGeneratorUsesTheWallClock() {
    long before = System.currentTimeMillis();
    long ts = MessageIds.timestampMs(MessageIds.next(), -1);
    assertTrue(ts >= before - 1 && ts <= System.currentTimeMillis() + 1, "ts " + ts);
  }
}
