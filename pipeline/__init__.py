"""paperdraft: arXiv papers in, blog-post drafts out, drafted by a local model. The critique is the author's."""

__version__ = "0.1.0"
