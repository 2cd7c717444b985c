"""marlenv's `core` package: the parts of its snake that code written for marlenv reads (`core.snake`)."""
