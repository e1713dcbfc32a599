"""The index run: read -> embed -> load into Milvus -> fit topics, as one build.

`load` embeds and inserts in chunks (cached, resumable), `build` runs a whole build
and publishes it, `add` places added documents into the parent build's topics.
"""
