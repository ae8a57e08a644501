package io.sluice.gateway.inbound;

import io.grpc.Status;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.util.zip.GZIPInputStream;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * Bounds the gRPC messages of one request body before they are buffered (pekko-grpc 1.1 has no
 * inbound size limit and inflates gzip frames without one). Reads the length-prefixed frames
 * ({@code flags:1, length:4 big-endian, message:length}) and passes each on whole:
 *
 * <ul>
 *   <li>a frame announcing more than {@code maxMessageBytes} fails the call with
 *       RESOURCE_EXHAUSTED / MESSAGE_TOO_LARGE as soon as its 5-byte prefix arrives;
 *   <li>a gzip-compressed frame is inflated here, at most to {@code maxMessageBytes} (beyond:
 *       the same failure), and passed on uncompressed;
 *   <li>with a budget (produce calls), a frame's bytes are taken from the node's in-flight budget
 *       before its body is read ({@link CallBudget}: a stream gives them back once the frame is
 *       handed on, a unary call once it is answered). A frame that does not fit fails the call with
 *       RESOURCE_EXHAUSTED / BROKER_BUSY. It does not wait: the unread bytes of a waiting call
 *       would hold the HTTP/2 connection's flow-control window, which the calls holding the
 *       budget need to finish.
 * </ul>
 *
 * <p>A refused call is answered at once, while the rest of its body is read and dropped: ending
 * the request stream instead would reset the HTTP/2 stream, and the client would see CANCELLED
 * instead of the answer.
 *
 * <p>One frame at a time: the next is read when downstream asks for it.
 */
final class GrpcFrameLimit extends GraphStage<FlowShape<ByteString, ByteString>> {
  static final int HEADER_BYTES = 5;
  private static final int COMPRESSED = 1;

  private final Inlet<ByteString> in = Inlet.create("GrpcFrameLimit.in");
  private final Outlet<ByteString> out = Outlet.create("GrpcFrameLimit.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final long maxMessageBytes;
  private final boolean gzip;
  private final CallBudget budget;
  private final boolean perMessage;

  /**
   * @param gzip whether the call's {@code grpc-encoding} is gzip (compressed frames are inflated)
   * @param budget taken per frame, or null for calls that do not produce
   * @param perMessage whether a frame's bytes go back once it is handed on (streams), and the rest
   *     when the stage stops; otherwise the owner closes {@code budget} when the call is answered
   */
  GrpcFrameLimit(long maxMessageBytes, boolean gzip, CallBudget budget, boolean perMessage) {
    this.maxMessageBytes = maxMessageBytes;
    this.gzip = gzip;
    this.budget = budget;
    this.perMessage = perMessage;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new GraphStageLogic(shape) {
      private ByteString buffer = ByteString.emptyByteString();
      /** The current frame's flags and length once its prefix is read; length -1 before. */
      private int flags;
      private long length = -1;
      /** Budget bytes taken for the frame being read, and for the frame handed on last. */
      private long reading;
      private long handedOn;
      private boolean unbudgeted;
      private boolean upstreamFinished;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            buffer = buffer.concat(grab(in));
            advance();
          }

          @Override
          public void onUpstreamFinish() {
            upstreamFinished = true;
            advance();
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (perMessage) {
              release(handedOn);
            }
            handedOn = 0;
            advance();
          }
        });
      }

      @Override
      public void postStop() {
        if (perMessage && budget != null) {
          budget.close();
        }
      }

      private void advance() {
        if (!isAvailable(out)) {
          return;
        }
        if (length < 0 && buffer.size() >= HEADER_BYTES) {
          flags = buffer.apply(0) & 0xff;
          length = buffer.slice(1, HEADER_BYTES).iterator().getInt(ByteOrder.BIG_ENDIAN) & 0xffffffffL;
          if (length > maxMessageBytes) {
            refuse(tooLarge("gRPC message of " + length + " bytes"));
            return;
          }
          unbudgeted = true;
        }
        // a compressed frame may inflate up to the limit: it takes that much, and gives back the rest once inflated
        if (unbudgeted && !take(isGzip() ? maxMessageBytes : length)) {
          refuse(new BrokerException(Status.Code.RESOURCE_EXHAUSTED, Reason.BROKER_BUSY, "broker is busy: "
              + budget.nodeUsed() + " bytes are waiting to be stored; retry later").toGrpc());
          return;
        }
        unbudgeted = false;
        if (length >= 0 && buffer.size() >= HEADER_BYTES + length) {
          ByteString message = buffer.slice(HEADER_BYTES, HEADER_BYTES + (int) length);
          buffer = buffer.drop(HEADER_BYTES + (int) length);
          length = -1;
          if (isGzip()) {
            message = inflate(message);
            if (message == null) {
              return;
            }
            flags &= ~COMPRESSED;
            release(reading - message.size());
            reading = Math.min(reading, message.size());
          }
          handedOn = reading;
          reading = 0;
          push(out, header(flags, message.size()).concat(message));
          return;
        }
        if (upstreamFinished) {
          // a truncated frame is left to pekko-grpc, which answers it as a missing request
          completeStage();
        } else if (!hasBeenPulled(in)) {
          pull(in);
        }
      }

      private boolean isGzip() {
        return gzip && (flags & COMPRESSED) != 0;
      }

      /** Takes {@code bytes} from the budget (if the call has one); false if they do not fit. */
      private boolean take(long bytes) {
        if (budget == null) {
          return true;
        }
        if (budget.tryTake(bytes)) {
          reading = bytes;
          return true;
        }
        return false;
      }

      /** Answers the call with {@code failure} and drops the rest of its body as it arrives. */
      private void refuse(Throwable failure) {
        release(reading);
        reading = 0;
        buffer = ByteString.emptyByteString();
        fail(out, failure);
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            grab(in);
            pull(in);
          }
        });
        if (!isClosed(in) && !hasBeenPulled(in)) {
          pull(in);
        }
      }

      private void release(long bytes) {
        if (budget != null && bytes > 0) {
          budget.giveBack(bytes);
        }
      }

      /** The inflated message, or null (stage failed) if it is larger than allowed or not gzip. */
      private ByteString inflate(ByteString compressed) {
        ByteStringBuilder inflated = new ByteStringBuilder();
        byte[] chunk = new byte[64 * 1024];
        try (InputStream gunzip = new GZIPInputStream(compressed.iterator().asInputStream())) {
          int n;
          while ((n = gunzip.read(chunk)) > 0) {
            if (inflated.length() + n > maxMessageBytes) {
              refuse(tooLarge("gzip-compressed gRPC message inflating to more than " + maxMessageBytes + " bytes"));
              return null;
            }
            inflated.putBytes(chunk, 0, n);
          }
        } catch (IOException e) {
          refuse(new BrokerException(Status.Code.INTERNAL, Reason.INVALID_ARGUMENT,
              "gRPC message is not valid gzip: " + e.getMessage()).toGrpc());
          return null;
        }
        return inflated.result();
      }

      private Throwable tooLarge(String what) {
        return new BrokerException(Status.Code.RESOURCE_EXHAUSTED, Reason.MESSAGE_TOO_LARGE,
            what + " is over the limit of " + maxMessageBytes + " bytes (sluice.gateway.max-inbound-message-size)")
            .toGrpc();
      }
    };
  }

  static ByteString header(int flags, int length) {
    byte[] header = {(byte) flags, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
    return ByteString.fromArrayUnsafe(header);
  }
}
