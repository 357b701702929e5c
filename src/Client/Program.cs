using Precision.Orleans.Client.Commands;

Precision.Orleans.Engine.Gpu.CudaBackend.Register();
return ConsoleMain.Run(args);
