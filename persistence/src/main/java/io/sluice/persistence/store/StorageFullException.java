package io.sluice.persistence.store;

import java.io.IOException;

/**
 * A write refused because the disk holding the store is full or above a configured limit
 * ({@code disk-limits}); nothing of it was stored. Writes succeed again once space is freed.
 */
public final class StorageFullException extends IOException {
  public StorageFullException(String message) {
    super(message);
  }

  public StorageFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
