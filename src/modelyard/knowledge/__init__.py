"""Knowledge collections: documents split into chunks, embedded by an embedding model of the
workspace, and searched by cosine similarity above the model's similarity threshold.

::

    schemas   what the outside sends and sees
    uploads   what a document may be (415 / 413 / 422 before anything is spent or stored)
    chunking  text and Markdown -> chunks (pure)
    embedder  texts -> unit vectors, through the router and meter like /v1/embeddings
    index     the per-collection float32 matrix, its cache and the cosine top-k (numpy)
    store     rows in and out; every vector write is conditional on the collection's state
    reembed   changing a collection's model: re-embed everything, switch in one transaction
    service   the rules, for the admin API, the CLI and assistants (``KnowledgeBase``)
    runtime   one ``KnowledgeBase`` per running app, reachable from the gateway too
"""
