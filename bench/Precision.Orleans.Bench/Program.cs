Console.WriteLine("usage: Precision.Orleans.Bench <gemm|train-step|decode>");
return 2;
