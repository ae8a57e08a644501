package io.sluice.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeyedSerialExecutorTest {
  final ExecutorService pool = Executors.newFixedThreadPool(4);
  final KeyedSerialExecutor executor = new KeyedSerialExecutor(pool);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void tasksOfOneKeyRunOneAtATimeInSubmissionOrder() throws InterruptedException {
    int keys = 8;
    int perKey = 200;
    Map<String, List<Integer>> ran = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    List<String> overlaps = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(keys * perKey);
    for (int i = 0; i < perKey; i++) {
      for (int k = 0; k < keys; k++) {
        String key = "g" + k;
        int seq = i;
        executor.execute(key, () -> {
          if (running.computeIfAbsent(key, x -> new AtomicInteger()).incrementAndGet() != 1) {
            overlaps.add(key + "#" + seq);
          }
          ran.computeIfAbsent(key, x -> Collections.synchronizedList(new ArrayList<>())).add(seq);
          running.get(key).decrementAndGet();
          done.countDown();
        });
      }
    }
    assertTrue(done.await(30, TimeUnit.SECONDS));
    assertEquals(List.of(), overlaps);
    for (int k = 0; k < keys; k++) {
      List<Integer> seqs = ran.get("g" + k);
      for (int i = 0; i < perKey; i++) {
        assertEquals(i, seqs.get(i), "g" + k);
      }
    }
  }

  @Test
  void differentKeysRunInParallel() throws InterruptedException {
    CountDownLatch bothStarted = new CountDownLatch(2);
    CountDownLatch finished = new CountDownLatch(2);
    for (String key : List.of("a", "b")) {
      executor.execute(key, () -> {
        bothStarted.countDown();
        try {
          // each waits for the other: only possible if they run at the same time
          bothStarted.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        finished.countDown();
      });
    }
    assertTrue(finished.await(30, TimeUnit.SECONDS));
    assertEquals(0, bothStarted.getCount());
  }

  @Test
  void aFailingTaskDoesNotStallItsKey() throws InterruptedException {
    CountDownLatch next = new CountDownLatch(1);
    executor.execute("a", () -> {
      throw new IllegalStateException("listener bug");
    });
    executor.execute("a", next::countDown);
    assertTrue(next.await(30, TimeUnit.SECONDS));
  }

  @Test
  void aRefusingPoolRunsTheChainOnTheCaller() {
    pool.shutdown();
    List<Integer> ran = new ArrayList<>();
    executor.execute("a", () -> ran.add(1));
    executor.execute("a", () -> ran.add(2));
    assertEquals(List.of(1, 2), ran);
  }
}
