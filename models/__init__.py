"""Framework-native model classes and the Caffe-exact ops they share with the generic rebuild."""
