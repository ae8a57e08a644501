package io.sluice.gateway.owner;

import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.QueryMessagesRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Merges the answers of several nodes to one message lookup in the order one node gives: by store
 * time (oldest first) for a time range, newest first for an id or a key; then at most {@code max}.
 * Each queue's data is in one node's store, so the answers never overlap. A pure function.
 */
public final class LookupMerge {
  private static final Comparator<Message> OLDEST_FIRST = Comparator.comparingLong(Message::getStoreTimestampMs)
      .thenComparingInt(Message::getQueueId).thenComparingLong(Message::getOffset);

  private LookupMerge() {}

  public static List<Message> merge(QueryMessagesRequest.CriterionCase criterion, List<List<Message>> answers, int max) {
    if (answers.size() == 1) {
      return answers.get(0); // one node's answer is in order and cut already
    }
    List<Message> all = new ArrayList<>();
    answers.forEach(all::addAll);
    all.sort(criterion == QueryMessagesRequest.CriterionCase.STORE_TIME ? OLDEST_FIRST : OLDEST_FIRST.reversed());
    return all.size() > max ? List.copyOf(all.subList(0, max)) : all;
  }
}
