"""Hybrid retrieval: normalisation, embedder, index (fingerprinted), search."""
