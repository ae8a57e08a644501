package io.sluice.client.internal;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * Message ids: 128 bits as 32 lowercase hex characters, time-ordered and unique.
 *
 * <pre>
 * | 48 bits: epoch ms | 80 bits: sequence |
 * </pre>
 *
 * The sequence starts at a random value (top bit clear) each new millisecond and counts up within
 * it, so ids of one generator strictly increase (in value and as strings) even when many are made
 * per millisecond or the clock steps back (the last millisecond is then kept), and ids of different
 * processes collide only if they draw the same 79 random bits in the same millisecond. Thread-safe.
 */
public final class MessageIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final MessageIds DEFAULT =
      new MessageIds(
          System::currentTimeMillis, new SplittableRandom(new SecureRandom().nextLong()));

  private final LongSupplier clockMs;
  private final SplittableRandom random;
  private long lastMs = Long.MIN_VALUE;
  private long seqHigh;
  private long seqLow;

  /**
   * Creates a generator.
   *
   * @param clockMs the clock, epoch ms
   * @param random the randomness for each millisecond's start
   */
  public MessageIds(LongSupplier clockMs, SplittableRandom random) {
    this.clockMs = clockMs;
    this.random = random;
  }

  /**
   * A new id from the process-wide generator.
   *
   * @return 32 hex characters
   */
  public static String next() {
    return DEFAULT.nextId();
  }

  /**
   * A new id from this generator.
   *
   * @return 32 hex characters, greater than every id this generator returned before
   */
  public synchronized String nextId() {
    long now = clockMs.getAsLong();
    if (now > lastMs) {
      lastMs = now;
      seqHigh = random.nextInt(1 << 15);
      seqLow = random.nextLong();
    } else if (++seqLow == 0 && ++seqHigh == (1 << 16)) {
      // 2^80 ids in one ms cannot happen in practice; borrow the next ms to stay ordered anyway
      lastMs++;
      seqHigh = 0;
    }
    char[] out = new char[32];
    writeHex(out, 0, lastMs, 12);
    writeHex(out, 12, seqHigh, 4);
    writeHex(out, 16, seqLow, 16);
    return new String(out);
  }

  /**
   * The millisecond an id was made in.
   *
   * @param id an id of this format
   * @param fallback returned if {@code id} is not of this format
   * @return epoch ms
   */
  public static long timestampMs(String id, long fallback) {
    if (id == null || id.length() != 32) {
      return fallback;
    }
    try {
      return Long.parseLong(id.substring(0, 12), 16);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static void writeHex(char[] out, int at, long value, int digits) {
    for (int i = digits - 1; i >= 0; i--) {
      out[at + i] = HEX[(int) (value & 0xF)];
      value >>>= 4;
    }
  }
}
