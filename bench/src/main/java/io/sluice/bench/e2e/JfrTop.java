package io.sluice.bench.e2e;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording ({@code bench/run.sh jfr-top FILE [N]}): CPU samples by thread group,
 * the top methods by self samples (top frame) and by inclusive samples (anywhere on the stack),
 * samples by package of the top frame, GC pauses and the most allocated classes.
 */
public final class JfrTop {
  private JfrTop() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: bench/run.sh jfr-top FILE.jfr [TOP]");
      System.exit(2);
    }
    print(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 25, System.out);
  }

  static void print(Path file, int top, PrintStream out) throws IOException {
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> inclusive = new HashMap<>();
    Map<String, Long> threads = new HashMap<>();
    Map<String, Long> packages = new HashMap<>();
    Map<String, Long> allocations = new HashMap<>();
    long samples = 0;
    long gcPauses = 0;
    Duration gcPauseTotal = Duration.ZERO;
    Duration gcPauseMax = Duration.ZERO;
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      String type = e.getEventType().getName();
      switch (type) {
        case "jdk.ExecutionSample":
          RecordedStackTrace st = e.getStackTrace();
          if (st == null || st.getFrames().isEmpty()) {
            continue;
          }
          samples++;
          String thread =
              e.getThread("sampledThread") == null
                  ? "?"
                  : threadGroup(e.getThread("sampledThread").getJavaName());
          threads.merge(thread, 1L, Long::sum);
          List<RecordedFrame> frames = st.getFrames();
          String topFrame = name(frames.get(0));
          self.merge(topFrame, 1L, Long::sum);
          packages.merge(packageOf(frames.get(0)), 1L, Long::sum);
          Set<String> seen = new HashSet<>();
          for (RecordedFrame f : frames) {
            String n = name(f);
            if (seen.add(n)) {
              inclusive.merge(n, 1L, Long::sum);
            }
          }
          break;
        case "jdk.GCPhasePause":
          gcPauses++;
          gcPauseTotal = gcPauseTotal.plus(e.getDuration());
          if (e.getDuration().compareTo(gcPauseMax) > 0) {
            gcPauseMax = e.getDuration();
          }
          break;
        case "jdk.ObjectAllocationSample":
          String cls =
              e.getClass("objectClass") == null ? "?" : e.getClass("objectClass").getName();
          allocations.merge(cls, e.getLong("weight"), Long::sum);
          break;
        default:
          break;
      }
    }
    out.printf(Locale.ROOT, "%s: %,d execution samples%n", file, samples);
    section(out, "samples by thread (digits folded)", threads, samples, top);
    section(out, "samples by package of the top frame", packages, samples, top);
    section(out, "top methods, self (top frame)", self, samples, top);
    section(out, "top methods, inclusive (anywhere on the stack)", inclusive, samples, top);
    out.printf(
        Locale.ROOT,
        "%nGC pauses: %d, total %d ms, max %d ms%n",
        gcPauses,
        gcPauseTotal.toMillis(),
        gcPauseMax.toMillis());
    long allocTotal = allocations.values().stream().mapToLong(Long::longValue).sum();
    out.printf(Locale.ROOT, "%nallocation (sampled weight), %,d MB in all:%n", allocTotal >> 20);
    sorted(allocations, top)
        .forEach(
            (k, v) ->
                out.printf(
                    Locale.ROOT, "  %6.1f%%  %,8d MB  %s%n", 100.0 * v / allocTotal, v >> 20, k));
  }

  private static void section(
      PrintStream out, String title, Map<String, Long> counts, long samples, int top) {
    out.printf(Locale.ROOT, "%n%s:%n", title);
    sorted(counts, top)
        .forEach(
            (k, v) -> out.printf(Locale.ROOT, "  %6.1f%%  %7d  %s%n", 100.0 * v / samples, v, k));
  }

  private static Map<String, Long> sorted(Map<String, Long> counts, int top) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top)
        .collect(
            Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
  }

  private static String name(RecordedFrame f) {
    RecordedMethod m = f.getMethod();
    if (m == null) {
      return "?";
    }
    return m.getType().getName() + "." + m.getName();
  }

  private static String packageOf(RecordedFrame f) {
    RecordedMethod m = f.getMethod();
    if (m == null) {
      return "?";
    }
    String cls = m.getType().getName();
    int dot = cls.lastIndexOf('.');
    return dot < 0 ? "" : cls.substring(0, dot);
  }

  private static String threadGroup(String thread) {
    return thread == null ? "?" : thread.replaceAll("\\d+", "N");
  }
}
