"""The FFmpeg renderer: approved images in, an H.264 + AAC MP4 out.

The timeline is cut into pieces (each shot's body, each transition between two shots) that
are encoded independently with identical settings and joined without re-encoding. A piece's
cache key is the hash of everything that decides its pixels, so after one image changes only
its shot and the transitions beside it are encoded again.
"""
