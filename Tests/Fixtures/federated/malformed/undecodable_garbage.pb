hello, I am not an update
