package io.sluice.persistence.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The epochs a store's log holds, ascending by epoch and start position (the {@code epochs} file).
 * Two stores whose histories agree on an epoch's end hold the same records up to it; that is how
 * a returning replica finds where it diverged from the master.
 */
public record EpochHistory(List<Epoch> epochs) {
  public static final EpochHistory EMPTY = new EpochHistory(List.of());

  /**
   * @throws IllegalArgumentException if epochs do not ascend or start positions go down
   */
  public EpochHistory {
    epochs = List.copyOf(epochs);
    for (int i = 1; i < epochs.size(); i++) {
      Epoch before = epochs.get(i - 1);
      Epoch e = epochs.get(i);
      if (e.epoch() <= before.epoch() || e.startPosition() < before.startPosition()) {
        throw new IllegalArgumentException("epoch " + e + " does not follow " + before);
      }
    }
  }

  public Optional<Epoch> last() {
    return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.get(epochs.size() - 1));
  }

  /**
   * Where {@code epoch} ends in this log: the start of the next epoch, or {@code logEnd} if it is
   * the last; -1 if the history does not hold it.
   */
  public long endOf(long epoch, long logEnd) {
    for (int i = 0; i < epochs.size(); i++) {
      if (epochs.get(i).epoch() == epoch) {
        return i + 1 < epochs.size() ? epochs.get(i + 1).startPosition() : logEnd;
      }
    }
    return -1;
  }

  /** The epoch in force at {@code position}: the last one starting at or below it. */
  public Optional<Epoch> epochAt(long position) {
    Epoch found = null;
    for (Epoch e : epochs) {
      if (e.startPosition() <= position) {
        found = e;
      }
    }
    return Optional.ofNullable(found);
  }

  /** This history with {@code next} added at its end. */
  public EpochHistory with(Epoch next) {
    List<Epoch> grown = new ArrayList<>(epochs);
    grown.add(next);
    return new EpochHistory(grown);
  }

  /** The epochs that start below {@code position}. */
  public EpochHistory below(long position) {
    return new EpochHistory(epochs.stream().filter(e -> e.startPosition() < position).toList());
  }
}
