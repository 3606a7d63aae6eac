"""The tutorial's network, as the tutorial writes it (../shared/tutorial.txt), for oracle tests.

Only generalized where the tutorial hard-codes its example: the hidden width
(4) and the number of outputs (1).
"""
import numpy as np


def sigmoid(x):
    return 1.0/(1+ np.exp(-x))


def sigmoid_derivative(x):
    return x * (1.0 - x)


class NeuralNetwork:
    def __init__(self, x, y, width=4):
        self.input      = x
        self.weights1   = np.random.rand(self.input.shape[1],width)
        self.weights2   = np.random.rand(width,y.shape[1])
        self.y          = y
        self.output     = np.zeros(self.y.shape)

    def feedforward(self):
        self.layer1 = sigmoid(np.dot(self.input, self.weights1))
        self.output = sigmoid(np.dot(self.layer1, self.weights2))

    def backprop(self):
        # application of the chain rule to find derivative of the loss function with respect to weights2 and weights1
        d_weights2 = np.dot(self.layer1.T, (2*(self.y - self.output) * sigmoid_derivative(self.output)))
        d_weights1 = np.dot(self.input.T,  (np.dot(2*(self.y - self.output) * sigmoid_derivative(self.output), self.weights2.T) * sigmoid_derivative(self.layer1)))

        # update the weights with the derivative (slope) of the loss function
        self.weights1 += d_weights1
        self.weights2 += d_weights2


X = np.array([[0,0,1],
              [0,1,1],
              [1,0,1],
              [1,1,1]])
y = np.array([[0],[1],[1],[0]])


def tutorial_run(seed, x=X, y=y, width=4, iterations=1500):
    """The tutorial's __main__ after np.random.seed(seed): returns the network after training."""
    np.random.seed(seed)
    nn = NeuralNetwork(x, y, width)
    for i in range(iterations):
        nn.feedforward()
        nn.backprop()
    return nn
