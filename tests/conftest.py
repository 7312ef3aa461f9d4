import os

# Qt aborts without a platform on a machine with no screen; must be set before Qt loads.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
