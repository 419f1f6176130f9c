"""The Bluesky adapter: intake (mentions, searches, the firehose), the core pipeline, sending
(reply threads through an outbox). Thin: every decision about a post is the core's."""
