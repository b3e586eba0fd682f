"""Papers about recognisable sub-areas (retrieval, vision, speech), for ranking tests."""

from __future__ import annotations

from tests.fakes.papers import FakePaper
from tests.support.digest import paper

RETRIEVAL = [
    (
        "Dense Passage Retrieval for Open-Domain Question Answering Revisited",
        (
            "We revisit dense passage retrieval with dual encoders for open-domain question answering; "
            "hard negatives and in-batch training improve retrieval recall over BM25 on passage corpora."
        ),
    ),
    (
        "Retrieval-Augmented Generation with Learned Passage Re-Ranking",
        (
            "A retrieval-augmented generation pipeline retrieves passages, re-ranks them with a "
            "cross-encoder "
            "and conditions the generator on the top passages, improving answer accuracy."
        ),
    ),
    (
        "Query Expansion with Language Models for Sparse Retrieval",
        (
            "Language models expand queries before sparse BM25 retrieval; expanded queries retrieve more "
            "relevant documents and improve ranking on passage retrieval benchmarks."
        ),
    ),
    (
        "Efficient Vector Search Indexes for Dense Retrieval at Scale",
        (
            "Approximate nearest neighbour indexes make dense retrieval over billions of passages fast; "
            "we study recall of vector search for retrieval-augmented question answering."
        ),
    ),
    (
        "When to Retrieve: Adaptive Retrieval for Knowledge-Intensive Question Answering",
        (
            "Deciding when retrieval helps: an adaptive retriever fetches passages only for "
            "knowledge-intensive "
            "questions, reducing retrieval cost while keeping answer accuracy."
        ),
    ),
    (
        "Cross-Encoder Re-Ranking of Retrieved Documents for Conversational Search",
        (
            "Conversational search retrieves documents for multi-turn queries; a cross-encoder re-ranks the "
            "retrieved documents and improves passage ranking."
        ),
    ),
]
VISION = [
    (
        "Vision Transformers for Fine-Grained Image Classification",
        (
            "Vision transformers with patch attention classify fine-grained images of birds and cars; "
            "pretraining on large image datasets improves image classification accuracy."
        ),
    ),
    (
        "Open-Vocabulary Object Detection in Street Images",
        (
            "An object detector recognises objects of unseen categories in street images using image-text "
            "alignment; detection boxes improve on detection benchmarks."
        ),
    ),
    (
        "Semantic Segmentation of Aerial Images with Convolutional Networks",
        (
            "Convolutional networks segment aerial images pixel by pixel; multi-scale image features improve "
            "segmentation of buildings and roads."
        ),
    ),
    (
        "Diffusion Models for High-Resolution Image Synthesis",
        (
            "A latent diffusion model synthesises high-resolution images from noise; image quality and "
            "diversity improve with a better denoising schedule."
        ),
    ),
    (
        "Video Action Recognition with Spatio-Temporal Convolutions",
        (
            "Spatio-temporal convolutions recognise human actions in video clips; frame sampling and image "
            "backbones improve video recognition."
        ),
    ),
    (
        "Self-Supervised Image Representations from Masked Pixels",
        (
            "Masking image patches and reconstructing pixels learns image representations that transfer to "
            "classification and detection of objects in images."
        ),
    ),
]
SPEECH = [
    (
        "Streaming Speech Recognition with Transducer Models",
        (
            "Transducer models recognise speech in a streaming fashion; audio chunking lowers latency of "
            "automatic speech recognition."
        ),
    ),
    (
        "Speaker Diarization for Meeting Recordings",
        "Who spoke when: speaker embeddings cluster audio segments of meeting recordings into speakers.",
    ),
]


def themed(first: int, texts: list[tuple[str, str]], published: str) -> list[FakePaper]:
    """Papers numbered from `first`, with the given titles and abstracts, all submitted at `published`."""
    return [
        paper(first + i, title=title, abstract=abstract, published=published, updated=published)
        for i, (title, abstract) in enumerate(texts)
    ]
