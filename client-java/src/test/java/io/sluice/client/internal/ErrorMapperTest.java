package io.sluice.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.client.BrokerBusyException;
import io.sluice.client.BrokerUnavailableException;
import io.sluice.client.InvalidArgumentException;
import io.sluice.client.InvalidReceiptException;
import io.sluice.client.MessageNotPendingException;
import io.sluice.client.MessageTooLargeException;
import io.sluice.client.MessageTypeMismatchException;
import io.sluice.client.Reason;
import io.sluice.client.SluiceException;
import io.sluice.client.TopicExistsException;
import io.sluice.client.TopicNotFoundException;
import io.sluice.client.TransactionNotFoundException;
import io.sluice.client.TransactionResolvedException;
import io.sluice.protocol.v1.ItemStatus;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ErrorMapperTest {
  static StatusRuntimeException withReason(Status status, String reason) {
    Metadata trailers = new Metadata();
    trailers.put(ErrorMapper.REASON_KEY, reason);
    return status.withDescription("detail").asRuntimeException(trailers);
  }

  static Stream<Arguments> reasons() {
    return Stream.of(
        Arguments.of("TOPIC_NOT_FOUND", Status.NOT_FOUND, TopicNotFoundException.class),
        Arguments.of("TOPIC_EXISTS", Status.ALREADY_EXISTS, TopicExistsException.class),
        Arguments.of("MESSAGE_TOO_LARGE", Status.INVALID_ARGUMENT, MessageTooLargeException.class),
        Arguments.of("MESSAGE_BODY_EMPTY", Status.INVALID_ARGUMENT, InvalidArgumentException.class),
        Arguments.of("INVALID_NAME", Status.INVALID_ARGUMENT, InvalidArgumentException.class),
        Arguments.of("INVALID_RECEIPT", Status.FAILED_PRECONDITION, InvalidReceiptException.class),
        Arguments.of(
            "INVALID_INVISIBLE_DURATION", Status.INVALID_ARGUMENT, InvalidArgumentException.class),
        Arguments.of("INVALID_FILTER", Status.INVALID_ARGUMENT, InvalidArgumentException.class),
        Arguments.of("BROKER_BUSY", Status.RESOURCE_EXHAUSTED, BrokerBusyException.class),
        Arguments.of("GROUP_NOT_FOUND", Status.NOT_FOUND, SluiceException.class),
        Arguments.of("INVALID_ARGUMENT", Status.OUT_OF_RANGE, InvalidArgumentException.class),
        Arguments.of("STORAGE_ERROR", Status.INTERNAL, SluiceException.class),
        Arguments.of(
            "MESSAGE_TYPE_MISMATCH", Status.FAILED_PRECONDITION, MessageTypeMismatchException.class),
        Arguments.of("TRANSACTION_NOT_FOUND", Status.NOT_FOUND, TransactionNotFoundException.class),
        Arguments.of(
            "TRANSACTION_RESOLVED", Status.FAILED_PRECONDITION, TransactionResolvedException.class),
        Arguments.of("MESSAGE_NOT_PENDING", Status.FAILED_PRECONDITION, MessageNotPendingException.class),
        Arguments.of("MESSAGE_NOT_PENDING", Status.NOT_FOUND, MessageNotPendingException.class));
  }

  @ParameterizedTest
  @MethodSource("reasons")
  void reasonTrailerSelectsTheExceptionType(
      String reason, Status status, Class<? extends SluiceException> type) {
    SluiceException e = ErrorMapper.fromThrowable(withReason(status, reason));
    assertEquals(type, e.getClass());
    assertEquals(Reason.valueOf(reason), e.reason());
    assertEquals(status.getCode(), e.statusCode());
    assertTrue(e.getMessage().contains("detail"));
  }

  @ParameterizedTest
  @MethodSource("reasons")
  void itemStatusMapsLikeTheTrailer(
      String reason, Status status, Class<? extends SluiceException> type) {
    ItemStatus item =
        ItemStatus.newBuilder()
            .setCode(status.getCode().value())
            .setReason(io.sluice.protocol.v1.Reason.valueOf(reason))
            .setMessage("detail")
            .build();
    SluiceException e = ErrorMapper.fromItemStatus(item);
    assertEquals(type, e.getClass());
    assertEquals(Reason.valueOf(reason), e.reason());
    assertEquals(status.getCode(), e.statusCode());
  }

  @Test
  void withoutAReasonTheStatusCodeDecides() {
    assertInstanceOf(
        BrokerUnavailableException.class,
        ErrorMapper.fromThrowable(Status.UNAVAILABLE.asRuntimeException()));
    assertInstanceOf(
        BrokerUnavailableException.class,
        ErrorMapper.fromThrowable(Status.DEADLINE_EXCEEDED.asRuntimeException()));
    assertInstanceOf(
        InvalidArgumentException.class,
        ErrorMapper.fromThrowable(Status.INVALID_ARGUMENT.asRuntimeException()));
    SluiceException exhausted =
        ErrorMapper.fromThrowable(Status.RESOURCE_EXHAUSTED.asRuntimeException());
    assertEquals(SluiceException.class, exhausted.getClass(), "an oversized frame is not 'busy'");
    assertFalse(exhausted.isRetriable());
  }

  @Test
  void reasonsWithoutATypeOfTheirOwnFallBackToTheStatusCode() {
    SluiceException e = ErrorMapper.fromThrowable(withReason(Status.UNAVAILABLE, "STORAGE_ERROR"));
    assertInstanceOf(BrokerUnavailableException.class, e);
    assertEquals(Reason.STORAGE_ERROR, e.reason());
    assertTrue(e.isRetriable());
  }

  @Test
  void unknownOrMissingReasonNamesAreUnspecified() {
    SluiceException e = ErrorMapper.fromThrowable(withReason(Status.NOT_FOUND, "SOMETHING_NEW"));
    assertEquals(Reason.UNSPECIFIED, e.reason());
    assertEquals(SluiceException.class, e.getClass());
    assertEquals(Reason.UNSPECIFIED, ErrorMapper.parseReason("REASON_UNSPECIFIED"));
    assertEquals(
        Reason.UNSPECIFIED, ErrorMapper.fromProto(io.sluice.protocol.v1.Reason.UNRECOGNIZED));
  }

  @Test
  void unwrapsFutureWrappers() {
    StatusRuntimeException cause = withReason(Status.NOT_FOUND, "TOPIC_NOT_FOUND");
    assertInstanceOf(
        TopicNotFoundException.class,
        ErrorMapper.fromThrowable(new CompletionException(new ExecutionException(cause))));
    SluiceException typed = ErrorMapper.fromThrowable(cause);
    assertSame(typed, ErrorMapper.fromThrowable(new CompletionException(typed)));
  }

  @Test
  void connectionFailuresAreUnavailable() {
    SluiceException e = ErrorMapper.fromThrowable(new ConnectException("refused"));
    assertInstanceOf(BrokerUnavailableException.class, e);
    assertEquals(Status.Code.UNAVAILABLE, e.statusCode());
    assertTrue(e.isRetriable());
  }

  @Test
  void otherFailuresAreUnknownAndNotRetried() {
    SluiceException e = ErrorMapper.fromThrowable(new IllegalStateException("bug"));
    assertEquals(SluiceException.class, e.getClass());
    assertEquals(Status.Code.UNKNOWN, e.statusCode());
    assertFalse(e.isRetriable());
  }
}
