import { conversationIdFor } from '../../lib/conversation-id';
import { allInboxShards, INBOX_SHARDS, inboxShardFor, inboxShardName, sidMapName, threadListName } from '../../lib/sync-names';

const SID_LIKE = /^[A-Z]{2}[a-f0-9]{32}$/;
const ids = Array.from({ length: 200 }, (_, i) => conversationIdFor('+14155550100', `+1415555${String(i).padStart(4, '0')}`));
const sample = ids[0]!;

describe('object names', () => {
  test.each([
    ['threadListName', threadListName(sample), `thread_${sample}`],
    ['sidMapName', sidMapName(sample), `sids_${sample}`],
    ['inboxShardName(0)', inboxShardName(0), 'inbox_0'],
    ['inboxShardName(7)', inboxShardName(7), 'inbox_7'],
  ])('%s → %s', (_label, actual, expected) => {
    expect(actual).toBe(expected);
  });

  test('never look like a SID', () => {
    const names = [...ids.flatMap((id) => [threadListName(id), sidMapName(id), inboxShardFor(id)]), ...allInboxShards()];
    expect(names.filter((name) => SID_LIKE.test(name))).toEqual([]);
  });
});

describe('inbox shards', () => {
  test('there are INBOX_SHARDS = 8 distinct shards', () => {
    const shards = allInboxShards();
    expect(INBOX_SHARDS).toBe(8);
    expect(shards).toHaveLength(INBOX_SHARDS);
    expect(new Set(shards).size).toBe(INBOX_SHARDS);
    expect(shards).toEqual(['inbox_0', 'inbox_1', 'inbox_2', 'inbox_3', 'inbox_4', 'inbox_5', 'inbox_6', 'inbox_7']);
  });

  test('inboxShardFor is stable and always one of allInboxShards', () => {
    const shards = new Set(allInboxShards());
    for (const id of ids) {
      const shard = inboxShardFor(id);
      expect(shards.has(shard)).toBe(true);
      expect(inboxShardFor(id)).toBe(shard);
    }
  });

  test('spreads conversations over every shard', () => {
    expect(new Set(ids.map(inboxShardFor)).size).toBe(INBOX_SHARDS);
  });
});
