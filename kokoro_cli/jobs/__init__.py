"""Long runs built on the API: many files (batch, batch_ray), a whole book (book), and the
book's chunk cache, so an interrupted job resumes. Jobs report progress through the objects
their caller passes in; they never import a display.
"""
