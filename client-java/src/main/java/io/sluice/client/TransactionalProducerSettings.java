package io.sluice.client;

import java.util.Objects;
import java.util.UUID;

/**
 * Settings of a {@link TransactionalProducer}.
 *
 * @param producerGroup the producer group: its transactions are checked by any live producer of
 *     the group. Required; a valid name (letters, digits, {@code _ - % |}, at most 127)
 * @param clientId identifies this producer instance to the broker (logs, admin views); default a
 *     random UUID
 * @param checkerThreads threads running the {@link TransactionChecker}; default 2
 * @param producerSettings batching and buffering of the half messages' {@code Produce} stream;
 *     default {@link ProducerSettings#DEFAULTS}
 */
public record TransactionalProducerSettings(
    String producerGroup, String clientId, int checkerThreads, ProducerSettings producerSettings) {

  /**
   * Validates the components.
   *
   * @param producerGroup not empty
   * @param clientId not empty
   * @param checkerThreads positive
   * @param producerSettings not null
   */
  public TransactionalProducerSettings {
    SimpleConsumerSettings.requireName(producerGroup, "producerGroup");
    SimpleConsumerSettings.requireName(clientId, "clientId");
    Objects.requireNonNull(producerSettings, "producerSettings");
    if (checkerThreads <= 0) {
      throw new IllegalArgumentException("checkerThreads must be positive: " + checkerThreads);
    }
  }

  /**
   * Starts from the defaults.
   *
   * @param producerGroup the producer group
   * @return a builder
   */
  public static Builder builder(String producerGroup) {
    return new Builder(producerGroup);
  }

  /** Builds {@link TransactionalProducerSettings}. Not thread-safe. */
  public static final class Builder {
    private final String producerGroup;
    private String clientId = UUID.randomUUID().toString();
    private int checkerThreads = 2;
    private ProducerSettings producerSettings = ProducerSettings.DEFAULTS;

    private Builder(String producerGroup) {
      this.producerGroup = producerGroup;
    }

    /**
     * Sets the client id.
     *
     * @param clientId the id
     * @return this builder
     */
    public Builder clientId(String clientId) {
      this.clientId = clientId;
      return this;
    }

    /**
     * Sets how many checks may run at once.
     *
     * @param checkerThreads at least 1
     * @return this builder
     */
    public Builder checkerThreads(int checkerThreads) {
      this.checkerThreads = checkerThreads;
      return this;
    }

    /**
     * Sets the tuning of the stream carrying the half messages.
     *
     * @param producerSettings the settings
     * @return this builder
     */
    public Builder producerSettings(ProducerSettings producerSettings) {
      this.producerSettings = producerSettings;
      return this;
    }

    /**
     * Builds the settings.
     *
     * @return the settings
     */
    public TransactionalProducerSettings build() {
      return new TransactionalProducerSettings(
          producerGroup, clientId, checkerThreads, producerSettings);
    }
  }
}
