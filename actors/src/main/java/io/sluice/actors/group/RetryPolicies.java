package io.sluice.actors.group;

import io.sluice.actors.CborSerializable;
import io.sluice.actors.consume.RetryPolicy;
import java.util.HashMap;
import java.util.Map;

/**
 * Every consumer group's retry policy, as the {@link ConsumerGroupRegistry} holds it; a group not
 * listed uses {@link RetryPolicy#DEFAULT}. {@code revision} grows with every change, so a receiver
 * of snapshots by two routes keeps the newer.
 */
public record RetryPolicies(long revision, Map<String, RetryPolicy> byGroup) implements CborSerializable {
  public static final RetryPolicies EMPTY = new RetryPolicies(0, Map.of());

  public RetryPolicies {
    byGroup = Map.copyOf(byGroup);
  }

  /** The policies a replicated map holds; the revision is its newest entry's version. */
  public static RetryPolicies of(Map<String, PolicyEntry> entries) {
    long revision = 0;
    Map<String, RetryPolicy> byGroup = new HashMap<>();
    for (Map.Entry<String, PolicyEntry> e : entries.entrySet()) {
      revision = Math.max(revision, e.getValue().version());
      byGroup.put(e.getKey(), e.getValue().policy());
    }
    return new RetryPolicies(revision, byGroup);
  }

  public RetryPolicy of(String group) {
    return byGroup.getOrDefault(group, RetryPolicy.DEFAULT);
  }

  RetryPolicies with(String group, RetryPolicy policy) {
    Map<String, RetryPolicy> next = new HashMap<>(byGroup);
    next.put(group, policy);
    return new RetryPolicies(revision + 1, next);
  }
}
