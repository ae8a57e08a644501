package io.sluice.gateway.consume;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Reason;
import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * Names one delivery: queue, the epoch of the queue's broker group when it was delivered, offset
 * and the delivery's random nonce. The queue's consumer state accepts a handle only while its
 * nonce is current, so a forged, expired or superseded handle is refused there; decoding here only
 * rejects handles that are not well formed. The epoch lets the gateway refuse a handle issued
 * before a failover without asking the queue ({@link ReceiptEpochs}).
 *
 * <p>Wire form (URL-safe base64 without padding): version 2 is {@code [2][queueId int][epoch
 * long][offset long][nonce long]}. Version 1 ({@code [1][queueId][offset][nonce]}, before epochs)
 * is still accepted, with {@link #UNKNOWN_EPOCH}: such handles are in clients' hands across an
 * upgrade (a rolling restart keeps consumers running), and refusing them would redeliver every
 * message in flight at the upgrade. Skipping the epoch check for them costs nothing in safety: the
 * epoch only refuses early and with a precise reason what the queue refuses anyway, since a
 * delivery made after a failover has a new random nonce. A handle renewed from a version-1 handle
 * stays version 1.
 */
public record ReceiptHandle(int queueId, long epoch, long offset, long nonce) {
  /** The epoch of a version-1 handle: not known, not checked. */
  public static final long UNKNOWN_EPOCH = -1;
  private static final byte VERSION_1 = 1;
  private static final byte VERSION = 2;
  private static final int LENGTH_1 = 1 + 4 + 8 + 8;
  private static final int LENGTH = 1 + 4 + 8 + 8 + 8;

  /** The same delivery under a renewed nonce (and the epoch it was delivered in). */
  public ReceiptHandle withNonce(long newNonce) {
    return new ReceiptHandle(queueId, epoch, offset, newNonce);
  }

  public String encode() {
    ByteBuffer bytes = epoch == UNKNOWN_EPOCH
        ? ByteBuffer.allocate(LENGTH_1).put(VERSION_1).putInt(queueId).putLong(offset).putLong(nonce)
        : ByteBuffer.allocate(LENGTH).put(VERSION).putInt(queueId).putLong(epoch).putLong(offset).putLong(nonce);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
  }

  /** @throws BrokerException INVALID_RECEIPT if {@code handle} is not one this broker issued for a queue of {@code topic} */
  public static ReceiptHandle decode(String handle, TopicConfig topic) {
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(handle);
    } catch (IllegalArgumentException e) {
      throw invalid(handle);
    }
    ReceiptHandle decoded;
    if (bytes.length == LENGTH && bytes[0] == VERSION) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, LENGTH - 1);
      decoded = new ReceiptHandle(buffer.getInt(), buffer.getLong(), buffer.getLong(), buffer.getLong());
      if (decoded.epoch < 0) {
        throw invalid(handle);
      }
    } else if (bytes.length == LENGTH_1 && bytes[0] == VERSION_1) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, LENGTH_1 - 1);
      decoded = new ReceiptHandle(buffer.getInt(), UNKNOWN_EPOCH, buffer.getLong(), buffer.getLong());
    } else {
      throw invalid(handle);
    }
    if (decoded.queueId < 0 || decoded.queueId >= topic.queueCount() || decoded.offset < 0 || decoded.nonce <= 0) {
      throw invalid(handle);
    }
    return decoded;
  }

  private static BrokerException invalid(String handle) {
    String shown = handle.length() > 64 ? handle.substring(0, 64) + "..." : handle;
    return BrokerException.invalid(Reason.INVALID_RECEIPT, "receipt handle '" + shown + "' is malformed");
  }
}
