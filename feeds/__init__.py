"""Getting feeds out: the one door in, the archive, building, rendering and serving."""
