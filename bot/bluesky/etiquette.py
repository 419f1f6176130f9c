"""The thread's and the author's rules, read before the bot writes anything that touches a post.

- Threadgate (`app.bsky.feed.threadgate`, on the thread's root, same record key): who may reply.
  No record, or no `allow` list: anyone. An empty `allow`: nobody but the root's author. Else
  whoever one rule lets in: `mentionRule` (mentioned in the root post), `followingRule`
  (followed by the root's author), `followerRule` (following the root's author), `listRule`
  (on a list: left to the AppView's own `viewer.replyDisabled`, which the caller checks first).
- Postgate (`app.bsky.feed.postgate`, same record key as the post): `embeddingRules` with a
  `disableRule` means the post must not be quoted. factbot's replies carry no embed today;
  `may_quote` is the check any quoting must pass.
A record that cannot be read (a network error after the retries) counts as "not allowed"."""

from __future__ import annotations

from typing import Any

from atproto import AsyncClient
from atproto_client.exceptions import BadRequestError
from atproto_client.models.dot_dict import DotDict

from bot.bluesky.calls import Calls
from bot.bluesky.records import split_uri

THREADGATE = "app.bsky.feed.threadgate"
POSTGATE = "app.bsky.feed.postgate"
MENTION = "app.bsky.feed.threadgate#mentionRule"
FOLLOWING = "app.bsky.feed.threadgate#followingRule"
FOLLOWER = "app.bsky.feed.threadgate#followerRule"
DISABLE_EMBED = "app.bsky.feed.postgate#disableRule"


async def _record(client: AsyncClient, calls: Calls, uri: str, collection: str) -> dict[str, Any]:
    """The gate record beside the post `uri`, or {} when there is none."""
    repo, _, rkey = split_uri(uri)
    params = DotDict({"repo": repo, "collection": collection, "rkey": rkey})
    try:
        got = await calls(
            f"getRecord {collection}",
            lambda: client.invoke_query("com.atproto.repo.getRecord", params=params),
        )
    except BadRequestError:  # RecordNotFound: no gate
        return {}
    content = got.content if isinstance(got.content, dict) else {}
    value = content.get("value")
    return value if isinstance(value, dict) else {}


def _raw(record: Any) -> dict[str, Any]:
    if isinstance(record, dict):
        return record
    dump = getattr(record, "model_dump", None)
    return dump(by_alias=True, exclude_none=True) if dump is not None else {}


async def thread_allows(client: AsyncClient, calls: Calls, mention: Any, bot_did: str) -> bool:
    """Whether the bot may reply in the thread of `mention` (its post record)."""
    reply = getattr(mention, "reply", None)
    if reply is None:
        return True  # a top-level mention: the bot replies in the mention's own thread
    return await gate_allows(client, calls, str(reply.root.uri), bot_did)


async def gate_allows(
    client: AsyncClient,
    calls: Calls,
    root_uri: str,
    bot_did: str,
    root_record: Any = None,
    gate: dict[str, Any] | None = None,
) -> bool:
    """Whether the threadgate of the thread rooted at `root_uri` lets the bot reply in it;
    `root_record`, the root post's record, and `gate`, its threadgate ({}: none), when the
    caller has them already (a mention from the stream that is its own thread's root, seen in
    the commit that wrote it: the AppView may not have indexed either yet)."""
    if gate is None:
        gate = await _record(client, calls, root_uri, THREADGATE)
    if not gate or "allow" not in gate:
        return True
    root_author = split_uri(root_uri)[0]
    if root_author == bot_did:
        return True
    rules = {r.get("$type") for r in gate.get("allow") or [] if isinstance(r, dict)}
    if MENTION in rules:
        root = (
            _raw(root_record)
            if root_record is not None
            else await _record(client, calls, root_uri, "app.bsky.feed.post")
        )
        if any(
            feature.get("did") == bot_did
            for facet in root.get("facets") or []
            for feature in facet.get("features") or []
        ):
            return True
    if rules & {FOLLOWING, FOLLOWER}:
        got = await calls(
            "getRelationships",
            lambda: client.app.bsky.graph.get_relationships(
                {"actor": root_author, "others": [bot_did]}
            ),
        )
        for rel in got.relationships:
            data = _raw(rel)
            if FOLLOWING in rules and data.get("following"):  # the root's author follows us
                return True
            if FOLLOWER in rules and data.get("followedBy"):  # we follow the root's author
                return True
    return False


async def may_quote(client: AsyncClient, calls: Calls, uri: str) -> bool:
    """Whether the post `uri` may be quoted (embedded): not when its postgate disables it."""
    gate = await _record(client, calls, uri, POSTGATE)
    rules = gate.get("embeddingRules") or []
    return not any(isinstance(r, dict) and r.get("$type") == DISABLE_EMBED for r in rules)
