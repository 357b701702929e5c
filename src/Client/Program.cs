using Precision.Orleans.Client.Commands;

return ConsoleMain.Run(args);
