"""nnviz, the plane: TensorFlow Playground's view of a network learning 2-D data (UI pieces in ui/plane.py)."""
from ui.plane import main

main()
