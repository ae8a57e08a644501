package io.sluice.persistence.snapshot.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

/**
 * The name of one snapshot file: {@code <id part>-<sequenceNr>-<timestamp>.snap}, both numbers in
 * decimal.
 *
 * <p>The id part is {@code p-} followed by the persistence id's UTF-8 bytes, with every byte
 * outside {@code [a-z0-9._-]} written as {@code %XX} (upper-case hex). Upper-case letters are
 * escaped too, so two ids that differ only in case stay two files on case-insensitive file systems.
 * When that encoding is longer than {@value #MAX_ID_PART_LENGTH} characters the id part is {@code
 * h-} followed by the SHA-256 of the id in lower-case hex, and the real id is only inside the file.
 * Names are ASCII and at most {@value #MAX_ID_PART_LENGTH} + 45 bytes, under the common 255-byte
 * limit.
 *
 * <p>Temporary files being written are named {@code tmp-<uuid>.tmp}, which never parses as a
 * snapshot name.
 *
 * <p>Immutable and thread-safe.
 */
public record SnapshotFileName(String idPart, long sequenceNr, long timestamp) {

  /** Longest id part kept readable; leaves room for two 19-digit numbers and the suffix. */
  public static final int MAX_ID_PART_LENGTH = 200;

  static final String SUFFIX = ".snap";
  static final String TEMP_PREFIX = "tmp-";
  static final String TEMP_SUFFIX = ".tmp";
  private static final String PLAIN = "p-";
  private static final String HASHED = "h-";
  private static final HexFormat HEX_UPPER = HexFormat.of().withUpperCase();

  public SnapshotFileName {
    if (sequenceNr < 0 || timestamp < 0) {
      throw new IllegalArgumentException(
          "sequence nr and timestamp must not be negative: " + sequenceNr + ", " + timestamp);
    }
  }

  /** The name for a snapshot of {@code persistenceId}. */
  public static SnapshotFileName of(String persistenceId, long sequenceNr, long timestamp) {
    return new SnapshotFileName(idPart(persistenceId), sequenceNr, timestamp);
  }

  /**
   * The id part of every snapshot file of {@code persistenceId}.
   *
   * @throws IllegalArgumentException if the id has unpaired surrogates, which UTF-8 cannot carry
   */
  public static String idPart(String persistenceId) {
    byte[] utf8 = strictUtf8(persistenceId);
    StringBuilder sb = new StringBuilder(PLAIN.length() + utf8.length);
    sb.append(PLAIN);
    for (byte b : utf8) {
      if (isKept(b)) {
        sb.append((char) b);
      } else {
        sb.append('%').append(HEX_UPPER.toHexDigits(b));
      }
      if (sb.length() > MAX_ID_PART_LENGTH) {
        return HASHED + HexFormat.of().formatHex(sha256(utf8));
      }
    }
    return sb.toString();
  }

  /** The parsed name, or empty if {@code fileName} is not a snapshot file's name. */
  public static Optional<SnapshotFileName> parse(String fileName) {
    if (!fileName.endsWith(SUFFIX)) {
      return Optional.empty();
    }
    String stem = fileName.substring(0, fileName.length() - SUFFIX.length());
    int tsDash = stem.lastIndexOf('-');
    int seqDash = tsDash > 0 ? stem.lastIndexOf('-', tsDash - 1) : -1;
    if (seqDash <= PLAIN.length()) {
      return Optional.empty();
    }
    String idPart = stem.substring(0, seqDash);
    if (!idPart.startsWith(PLAIN) && !idPart.startsWith(HASHED)) {
      return Optional.empty();
    }
    long seq = parseDecimal(stem, seqDash + 1, tsDash);
    long ts = parseDecimal(stem, tsDash + 1, stem.length());
    if (seq < 0 || ts < 0) {
      return Optional.empty();
    }
    return Optional.of(new SnapshotFileName(idPart, seq, ts));
  }

  /** A fresh name for a temporary file; unique so concurrent saves never share one. */
  public static String newTempFileName() {
    return TEMP_PREFIX + UUID.randomUUID() + TEMP_SUFFIX;
  }

  public static boolean isTempFileName(String fileName) {
    return fileName.startsWith(TEMP_PREFIX) && fileName.endsWith(TEMP_SUFFIX);
  }

  public String fileName() {
    return idPart + '-' + sequenceNr + '-' + timestamp + SUFFIX;
  }

  /** True when the id part is a hash, so only the file content names the persistence id. */
  public boolean isHashed() {
    return idPart.startsWith(HASHED);
  }

  /** The persistence id decoded from the name; empty for hashed names or malformed escapes. */
  public Optional<String> persistenceId() {
    if (isHashed()) {
      return Optional.empty();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(idPart.length());
    for (int i = PLAIN.length(); i < idPart.length(); i++) {
      char c = idPart.charAt(i);
      if (c == '%') {
        if (i + 2 >= idPart.length()) {
          return Optional.empty();
        }
        int hi = Character.digit(idPart.charAt(i + 1), 16);
        int lo = Character.digit(idPart.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return Optional.empty();
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c < 0x80 && isKept((byte) c)) {
        out.write(c);
      } else {
        return Optional.empty();
      }
    }
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(out.toByteArray()))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  private static boolean isKept(byte b) {
    return (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '.' || b == '_' || b == '-';
  }

  /** Decimal digits only (no sign), or -1; Long.parseLong alone would accept "+1". */
  private static long parseDecimal(String s, int from, int to) {
    if (from >= to || to - from > 19) {
      return -1;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
    }
    try {
      return Long.parseLong(s, from, to, 10);
    } catch (NumberFormatException overflow) {
      return -1;
    }
  }

  static byte[] strictUtf8(String s) {
    try {
      ByteBuffer bb =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(s));
      byte[] bytes = new byte[bb.remaining()];
      bb.get(bytes);
      return bytes;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("persistence id is not valid Unicode: " + s, e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }
}
