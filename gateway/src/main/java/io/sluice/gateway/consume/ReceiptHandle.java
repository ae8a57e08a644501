package io.sluice.gateway.consume;

import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Reason;
import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * Names one delivery: queue, offset and the delivery's random nonce. The queue's consumer state
 * accepts a handle only while its nonce is current, so a forged, expired or superseded handle is
 * refused there; decoding here only rejects handles that are not well formed.
 */
public record ReceiptHandle(int queueId, long offset, long nonce) {
  private static final byte VERSION = 1;
  private static final int LENGTH = 1 + 4 + 8 + 8;

  /** The same delivery under a renewed nonce. */
  public ReceiptHandle withNonce(long newNonce) {
    return new ReceiptHandle(queueId, offset, newNonce);
  }

  public String encode() {
    ByteBuffer bytes = ByteBuffer.allocate(LENGTH).put(VERSION).putInt(queueId).putLong(offset).putLong(nonce);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
  }

  /** @throws BrokerException INVALID_RECEIPT if {@code handle} is not one this broker issued for a queue of {@code topic} */
  public static ReceiptHandle decode(String handle, io.sluice.actors.topic.TopicConfig topic) {
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(handle);
    } catch (IllegalArgumentException e) {
      throw invalid(handle);
    }
    if (bytes.length != LENGTH || bytes[0] != VERSION) {
      throw invalid(handle);
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, LENGTH - 1);
    ReceiptHandle decoded = new ReceiptHandle(buffer.getInt(), buffer.getLong(), buffer.getLong());
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
