package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.KnownLength;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.Producer;
import io.sluice.client.SendReceipt;
import io.sluice.client.SluiceClient;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.SendResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests larger than a small node's heap, or many large ones at once, or small ones inflating to
 * gigabytes: the node (384 MiB heap, exits on OutOfMemoryError) refuses or queues them before
 * buffering, answers with a precise status and reason, and keeps serving another client.
 *
 * <p>The requests are written by grpc-java from streams of zeros behind a hand-encoded protobuf
 * prefix, so that the test JVM never holds them either.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class OversizedRequestTest {
  static final int MIB = 1024 * 1024;
  static final Metadata.Key<String> REASON = RawGrpc.REASON;

  @TempDir static Path tmp;
  static BrokerProcess node;
  static SluiceClient client;
  static ManagedChannel channel;

  @BeforeAll
  static void start() {
    node = BrokerProcess.start(tmp.resolve("data"), "-Xmx384m", "-XX:+ExitOnOutOfMemoryError");
    client = node.newClient();
    client.admin().createTopic("big", 4, MessageType.NORMAL);
    client.admin().createTopic("others", 1, MessageType.NORMAL);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    Closer.closeAll(client, node);
  }

  @Test
  void oneGrpcMessageOf128MebibytesIsRefusedBeforeItIsBuffered() {
    StatusRuntimeException e = sendFails(new ZeroBodies("big", 1, 128 * MIB), CallOptions.DEFAULT);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
    assertEquals(Reason.MESSAGE_TOO_LARGE.name(), e.getTrailers().get(REASON), e.toString());
    assertStillServing();
  }

  @Test
  void aGzipMessageOfOneMebibyteInflatingToOneGibibyteIsRefused() {
    ZeroBodies bomb = new ZeroBodies("big", 1, 1024 * MIB);
    StatusRuntimeException e = sendFails(bomb, CallOptions.DEFAULT.withCompression("gzip"));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
    assertEquals(Reason.MESSAGE_TOO_LARGE.name(), e.getTrailers().get(REASON), e.toString());
    assertStillServing();
  }

  @Test
  void aSendOfManyMessagesOverTheTransportLimitIsRefusedWhole() {
    // 6 messages of 3 MiB: each within max-message-size, together over max-inbound-message-size
    StatusRuntimeException e = sendFails(new ZeroBodies("big", 6, 3 * MIB), CallOptions.DEFAULT);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
    assertEquals(Reason.MESSAGE_TOO_LARGE.name(), e.getTrailers().get(REASON), e.toString());
    assertStillServing();
  }

  @Test
  void sixteenParallelSendsOfSixteenMebibytesAreStoredOrRefusedAsBusy() throws Exception {
    int calls = 16;
    ExecutorService pool = Executors.newFixedThreadPool(calls);
    int stored = 0;
    int busy = 0;
    try {
      List<CompletableFuture<SendResponse>> answers = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        // 4 messages of 4 MiB minus room for the topic and framing: each within the documented limits
        answers.add(CompletableFuture.supplyAsync(
            () -> send(new ZeroBodies("big", 4, 4 * MIB - 64), CallOptions.DEFAULT), pool));
      }
      for (CompletableFuture<SendResponse> answer : answers) {
        try {
          SendResponse response = answer.get(5, TimeUnit.MINUTES);
          assertEquals(4, response.getReceiptsCount());
          for (io.sluice.protocol.v1.SendReceipt r : response.getReceiptsList()) {
            if (r.getStatus().getCode() == 0) {
              stored++;
            } else {
              assertEquals(Reason.BROKER_BUSY, r.getStatus().getReason(), r.toString());
              busy++;
            }
          }
        } catch (java.util.concurrent.ExecutionException e) {
          // refused before it was read: the node's in-flight bytes had no room for it
          StatusRuntimeException refused = (StatusRuntimeException) e.getCause();
          assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.toString());
          assertEquals(Reason.BROKER_BUSY.name(), refused.getTrailers().get(REASON), refused.toString());
          busy += 4;
        }
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("[it] %d of %d messages of 4 MiB stored, %d refused as busy%n", stored, calls * 4, busy);
    assertTrue(stored > 0, "nothing stored");
    assertEquals(calls * 4, stored + busy);
    assertStillServing();
  }

  /** The node is alive and serves another producer and the admin API. */
  static void assertStillServing() {
    assertTrue(node.isAlive(), "the node died: " + node.tail(40));
    try (Producer producer = client.newProducer()) {
      SendReceipt r = producer.send(Message.builder().topic("others")
          .body("still here".getBytes(StandardCharsets.UTF_8)).build());
      assertEquals("others", r.topic());
    }
    assertEquals(4, client.admin().describeTopic("big").queueCount());
    assertTrue(node.isAlive(), "the node died: " + node.tail(40));
  }

  /** One unary Send through grpc-java (its own stubs are not generated here). */
  static SendResponse send(ZeroBodies request, CallOptions options) {
    ClientCall<ZeroBodies, SendResponse> call = channel.newCall(SEND, options.withDeadlineAfter(5, TimeUnit.MINUTES));
    CompletableFuture<SendResponse> result = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      private SendResponse response;

      @Override
      public void onMessage(SendResponse message) {
        response = message;
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        if (status.isOk()) {
          result.complete(response);
        } else {
          result.completeExceptionally(status.asRuntimeException(trailers));
        }
      }
    }, new Metadata());
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    try {
      return result.get(6, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (StatusRuntimeException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError("send not answered", e);
    }
  }

  static StatusRuntimeException sendFails(ZeroBodies request, CallOptions options) {
    try {
      SendResponse response = send(request, options);
      throw new AssertionError("the send was expected to fail but returned " + response);
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  static final MethodDescriptor<ZeroBodies, SendResponse> SEND =
      MethodDescriptor.<ZeroBodies, SendResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("sluice.v1.MessagingService/Send")
          .setRequestMarshaller(new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(ZeroBodies value) {
              return value.open();
            }

            @Override
            public ZeroBodies parse(InputStream stream) {
              throw new UnsupportedOperationException("requests only");
            }
          })
          .setResponseMarshaller(new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(SendResponse value) {
              return value.toByteString().newInput();
            }

            @Override
            public SendResponse parse(InputStream stream) {
              try {
                return SendResponse.parseFrom(stream);
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            }
          })
          .build();

  /**
   * A {@code SendRequest} of {@code count} messages to {@code topic}, each with a body of {@code
   * bodyBytes} zeros, encoded lazily: field 1 (messages) per message, holding field 1 (topic) and
   * field 6 (body).
   */
  record ZeroBodies(String topic, int count, int bodyBytes) {
    byte[] messagePrefix() {
      try {
        byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
        int messageLength = CodedOutputStream.computeStringSize(1, topic)
            + CodedOutputStream.computeTagSize(6) + CodedOutputStream.computeUInt32SizeNoTag(bodyBytes) + bodyBytes;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeTag(1, 2);
        out.writeUInt32NoTag(messageLength);
        out.writeTag(1, 2);
        out.writeUInt32NoTag(topicBytes.length);
        out.writeRawBytes(topicBytes);
        out.writeTag(6, 2);
        out.writeUInt32NoTag(bodyBytes);
        out.flush();
        return bytes.toByteArray();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    InputStream open() {
      return new ZeroStream(messagePrefix(), count, bodyBytes);
    }
  }

  /** {@code count} times: the prefix, then {@code zeros} zero bytes. Its length is known, so grpc-java streams it. */
  static final class ZeroStream extends InputStream implements KnownLength {
    private final byte[] prefix;
    private final long zeros;
    private final long total;
    private long position;

    ZeroStream(byte[] prefix, int count, long zeros) {
      this.prefix = prefix;
      this.zeros = zeros;
      this.total = count * (prefix.length + zeros);
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, total - position);
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= total) {
        return -1;
      }
      long unit = prefix.length + zeros;
      long inUnit = position % unit;
      int n;
      if (inUnit < prefix.length) {
        n = (int) Math.min(len, prefix.length - inUnit);
        System.arraycopy(prefix, (int) inUnit, b, off, n);
      } else {
        n = (int) Math.min(len, unit - inUnit);
        java.util.Arrays.fill(b, off, off + n, (byte) 0);
      }
      position += n;
      return n;
    }
  }
}
