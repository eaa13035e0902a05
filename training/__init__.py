"""How the shipped sentiment model is made: data, Word2Vec, networks, training, evaluation."""
