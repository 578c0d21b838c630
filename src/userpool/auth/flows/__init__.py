"""Sans-I/O flows, one public operation per module (as Amplify's ``providers/cognito/apis``)."""
