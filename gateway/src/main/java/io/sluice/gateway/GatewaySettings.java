package io.sluice.gateway;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The node's {@code sluice.gateway} settings (documented in {@code reference.conf} and the README).
 *
 * @param grpcInterface address the gRPC server binds
 * @param grpcPort gRPC port; 0 picks a free one
 * @param maxMessageSize largest accepted message (body, tag, keys, properties: {@code MessageSize})
 * @param maxRequestSize largest accepted sum of message sizes in one produce request
 * @param maxInboundMessageSize largest gRPC message read (encoded, and inflated if compressed)
 * @param maxInFlightBytes node-wide bytes accepted but not yet stored; beyond it: BROKER_BUSY
 * @param producePipelining produce requests of one stream being stored at once
 * @param maxAppendBatch most messages one queue append carries
 * @param askTimeout how long the gateway waits for a queue or the topic registry
 * @param defaultInvisibleDuration invisible time when a subscriber leaves it 0
 * @param maxCredit most unanswered deliveries a consume stream may grant
 * @param maxDeliveryBatchBytes largest serialized {@code Deliveries} frame or {@code Receive} reply; a
 *     single larger message still goes, alone
 * @param shutdownDeadline how long graceful shutdown waits for in-flight requests
 * @param maxDelay how far ahead a delayed message's delivery time may be
 */
public record GatewaySettings(
    String grpcInterface,
    int grpcPort,
    long maxMessageSize,
    long maxRequestSize,
    long maxInboundMessageSize,
    long maxInFlightBytes,
    int producePipelining,
    int maxAppendBatch,
    Duration askTimeout,
    Duration defaultInvisibleDuration,
    int maxCredit,
    long maxDeliveryBatchBytes,
    Duration shutdownDeadline,
    Duration maxDelay) {

  public static final Duration MIN_INVISIBLE = Duration.ofSeconds(1);
  public static final Duration MAX_INVISIBLE = Duration.ofHours(12);
  public static final Duration MAX_RECEIVE_WAIT = Duration.ofSeconds(30);
  public static final int MAX_RECEIVE_MESSAGES = 1024;
  /** A consume frame's or Receive reply's bytes around its deliveries, at most. */
  public static final int REPLY_OVERHEAD_BYTES = 16;

  /** Room in an Artery frame around the messages of a command or reply: envelope, ids, reply-to. */
  static final long ARTERY_ENVELOPE_BYTES = 1L << 20;
  static final String LARGE_FRAME_KEY = "pekko.remote.artery.advanced.maximum-large-frame-size";

  public static GatewaySettings from(Config root) {
    Config c = root.getConfig("sluice.gateway");
    GatewaySettings s = new GatewaySettings(
        c.getString("grpc.interface"),
        c.getInt("grpc.port"),
        c.getBytes("max-message-size"),
        c.getBytes("max-request-size"),
        c.getBytes("max-inbound-message-size"),
        c.getBytes("max-in-flight-bytes"),
        c.getInt("produce-pipelining"),
        c.getInt("max-append-batch"),
        c.getDuration("ask-timeout"),
        c.getDuration("default-invisible-duration"),
        c.getInt("max-credit"),
        c.getBytes("max-delivery-batch-bytes"),
        c.getDuration("shutdown-deadline"),
        c.getDuration("max-delay"));
    if (s.maxRequestSize < s.maxMessageSize || s.maxInboundMessageSize < s.maxRequestSize
        || s.maxInFlightBytes < s.maxInboundMessageSize || s.maxInboundMessageSize > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("sluice.gateway: need max-message-size <= max-request-size"
          + " <= max-inbound-message-size <= max-in-flight-bytes, and max-inbound-message-size < 2 GiB");
    }
    if (s.maxDeliveryBatchBytes < 64 * 1024) {
      throw new IllegalArgumentException("sluice.gateway: max-delivery-batch-bytes must be at least 64 KiB");
    }
    // An append (one request's messages, or a batch of them up to that size) or a pulled batch sent to
    // another node must fit in one Artery frame, or Artery drops it and the caller times out.
    long largestCrossing = Math.max(s.maxInboundMessageSize, s.maxDeliveryBatchBytes) + ARTERY_ENVELOPE_BYTES;
    if (root.hasPath(LARGE_FRAME_KEY) && root.getBytes(LARGE_FRAME_KEY) < largestCrossing) {
      throw new IllegalArgumentException(LARGE_FRAME_KEY + " must be at least max(max-inbound-message-size,"
          + " max-delivery-batch-bytes) + 1 MiB = " + largestCrossing + " bytes");
    }
    return s;
  }
}
