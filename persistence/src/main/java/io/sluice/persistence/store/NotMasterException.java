package io.sluice.persistence.store;

/** A write refused because the store is a replica ({@link StoreRole#REPLICA}); nothing was stored. */
public final class NotMasterException extends IllegalStateException {
  public NotMasterException(String message) {
    super(message);
  }
}
